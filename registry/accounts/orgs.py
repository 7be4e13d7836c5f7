"""Organisations, users and memberships. Each organisation has its own payee party, of the same
name, so revenue can be shared with it and its owners can consent for it."""

from __future__ import annotations

import re
import secrets

from sqlmodel import Session, select

from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..ids import new_id
from ..models import Membership, Organisation, Party, User
from .credentials import MIN_PASSWORD_LENGTH, hash_password
from .principal import ORG_KINDS, ORG_ROLES

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def _naming(name: str) -> str:
    name = name.strip()
    if not 0 < len(name) <= 200:
        raise InvalidInputError("an organisation name must be 1 to 200 characters")
    return name


def create_org(session: Session, name: str, kind: str) -> Organisation:
    """A new organisation and its payee party; refuses a name already taken by either."""
    name = _naming(name)
    if kind not in ORG_KINDS:
        raise InvalidInputError(f"organisation kind must be one of {', '.join(ORG_KINDS)}, got {kind!r}")
    if find_org(session, name) is not None:
        raise ConflictError(f"organisation {name!r} already exists")
    party = session.exec(select(Party).where(Party.name == name)).first()
    if party is not None and party.org_id is not None:
        raise ConflictError(f"party {name!r} already belongs to an organisation")
    org = Organisation(id=new_id(), name=name, kind=kind)
    session.add(org)
    session.flush()
    if party is None:
        party = Party(id=new_id(), name=name, kind="organisation", commitment_salt=secrets.token_hex(16))
    party.org_id = org.id
    session.add(party)
    session.flush()
    org.party_id = party.id
    session.add(org)
    session.flush()
    return org


def ensure_org(session: Session, name: str, kind: str = "creator") -> Organisation:
    return find_org(session, name) or create_org(session, name, kind)


def find_org(session: Session, name_or_id: str) -> Organisation | None:
    statement = select(Organisation).where((Organisation.name == name_or_id) | (Organisation.id == name_or_id))
    return session.exec(statement).first()


def require_org(session: Session, name_or_id: str) -> Organisation:
    org = find_org(session, name_or_id)
    if org is None:
        raise NotFoundError(f"unknown organisation {name_or_id!r}: create it with `aigc-registry admin org create`")
    return org


def org_party(session: Session, org: Organisation) -> Party:
    party = session.get(Party, org.party_id) if org.party_id else None
    assert party is not None, "every organisation has its party"
    return party


def add_user(session: Session, email: str, password: str, *, org: Organisation | None = None,
             role: str | None = None, is_admin: bool = False) -> User:
    """A user (created if new, password checked and hashed) with a membership of `org` in `role`."""
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email) or len(email) > 320:
        raise InvalidInputError(f"not an email address: {email!r}")
    if role is not None and role not in ORG_ROLES:
        raise InvalidInputError(f"role must be one of {', '.join(ORG_ROLES)}, got {role!r}")
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInputError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        user = User(id=new_id(), email=email, password_hash=hash_password(password), is_admin=is_admin)
        session.add(user)
        session.flush()
    if org is not None and role is not None:
        membership = session.get(Membership, (user.id, org.id))
        if membership is None:
            session.add(Membership(user_id=user.id, org_id=org.id, role=role))
        else:
            membership.role = role
            session.add(membership)
        session.flush()
    return user


def memberships(session: Session, user_id: str) -> list[tuple[Organisation, str]]:
    rows = session.exec(select(Organisation, Membership.role).join(Membership, Membership.org_id == Organisation.id)  # type: ignore[arg-type]
                        .where(Membership.user_id == user_id).order_by(Organisation.name)).all()
    return [(org, role) for org, role in rows]


def members(session: Session, org_id: str) -> list[tuple[User, str]]:
    """The users of an organisation with their roles, owners first, then by email."""
    rows = session.exec(select(User, Membership.role).join(Membership, Membership.user_id == User.id)  # type: ignore[arg-type]
                        .where(Membership.org_id == org_id).order_by(User.email)).all()
    return sorted(((user, role) for user, role in rows), key=lambda row: ORG_ROLES.index(row[1]))
