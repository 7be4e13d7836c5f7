"""Password sign-in for the pages: a session is a random token in an HttpOnly cookie (the
database keeps its SHA-256), bound to one organisation the user belongs to, with its own CSRF
token that every cookie-authenticated form post must echo."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from ..errors import ForbiddenError, UnauthenticatedError
from ..models import Membership, Organisation, User, UserSession, utc_now
from .credentials import burn_password_check, new_session_token, password_matches, sha256_hex
from .orgs import memberships
from .principal import ADMIN, Principal

SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class SignedIn:
    token: str  # goes into the cookie, never stored
    csrf_token: str
    principal: Principal


def sign_in(session: Session, email: str, password: str, org_name: str | None = None) -> SignedIn:
    """A new session for a correct email and password, in `org_name` (default: the user's first
    organisation; an admin without one acts registry-wide)."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        burn_password_check()
        raise UnauthenticatedError("wrong email or password")
    if not password_matches(password, user.password_hash):
        raise UnauthenticatedError("wrong email or password")
    org_id = _choose_org(session, user, org_name)
    token = new_session_token()
    row = UserSession(token_sha256=sha256_hex(token), user_id=user.id, org_id=org_id,
                      csrf_token=secrets.token_urlsafe(24), created_at=utc_now(),
                      expires_at=utc_now() + SESSION_LIFETIME)
    session.add(row)
    session.flush()
    return SignedIn(token, row.csrf_token, _principal(session, user, row))


def _choose_org(session: Session, user: User, org_name: str | None) -> str | None:
    mine = memberships(session, user.id)
    if org_name:
        for org, _role in mine:
            if org.name == org_name or org.id == org_name:
                return org.id
        raise ForbiddenError(f"you are not a member of {org_name!r}")
    return mine[0][0].id if mine else None


def session_principal(session: Session, token: str) -> tuple[Principal, str]:
    """The principal of a live session cookie and its CSRF token; a forged or expired one is refused."""
    row = session.get(UserSession, sha256_hex(token))
    if row is None:
        raise UnauthenticatedError("unknown session: sign in again")
    if row.expires_at <= utc_now():
        raise UnauthenticatedError("session expired: sign in again")
    user = session.get(User, row.user_id)
    assert user is not None
    return _principal(session, user, row), row.csrf_token


def _principal(session: Session, user: User, row: UserSession) -> Principal:
    org = session.get(Organisation, row.org_id) if row.org_id else None
    membership = session.get(Membership, (user.id, org.id)) if org else None
    role = ADMIN if user.is_admin and membership is None else (membership.role if membership else None)
    return Principal(kind="session", org_id=org.id if org else None, org_name=org.name if org else None,
                     role=role, user_id=user.id, user_email=user.email, credential=f"session:{row.token_sha256[:8]}")


def switch_org(session: Session, token: str, org_name: str) -> Principal:
    """Move a live session to another organisation its user belongs to (the organisation switcher)."""
    row = session.get(UserSession, sha256_hex(token))
    if row is None or row.expires_at <= utc_now():
        raise UnauthenticatedError("unknown or expired session: sign in again")
    user = session.get(User, row.user_id)
    assert user is not None
    row.org_id = _choose_org(session, user, org_name)
    session.add(row)
    session.flush()
    return _principal(session, user, row)


def sign_out(session: Session, token: str) -> None:
    row = session.get(UserSession, sha256_hex(token))
    if row is not None:
        session.delete(row)
        session.flush()
