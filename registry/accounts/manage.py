"""Account use cases over the registry's database, for the HTTP API and `aigc-registry admin`.

>>> import tempfile, pathlib
>>> from registry.settings import Settings
>>> from registry.service import Registry
>>> registry = Registry.open(Settings(data_dir=pathlib.Path(tempfile.mkdtemp())))
>>> create_organisation(registry, "Daily Planet", "newsroom")["kind"]
'newsroom'
>>> key = issue_api_key(registry, org_name="Daily Planet", role="editor", name="cms")
>>> sorted(key)
['expires_at', 'key', 'key_id', 'org', 'role']
>>> registry.close()
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from ..errors import ForbiddenError, InvalidInputError
from ..service import Registry
from .api_keys import find_key, issue_key, list_keys, revoke_key
from .audit import list_audit, record_audit
from .orgs import add_user, create_org, members, memberships, require_org
from .principal import ADMIN, OPERATOR, Principal
from .sessions import SignedIn, sign_in, sign_out, switch_org


def create_organisation(registry: Registry, name: str, kind: str, *, principal: Principal = OPERATOR) -> dict:
    with registry.db.writing() as session:
        org = create_org(session, name, kind)
        record_audit(session, principal, "create-org", target=f"org:{org.name}")
        return {"org_id": org.id, "name": org.name, "kind": org.kind, "party_id": org.party_id}


def add_member(registry: Registry, email: str, password: str, *, org_name: str, role: str,
               principal: Principal = OPERATOR) -> dict:
    with registry.db.writing() as session:
        org = require_org(session, org_name)
        user = add_user(session, email, password, org=org, role=role)
        record_audit(session, principal, "add-member", target=f"user:{user.email}", detail=f"{role} of {org.name}")
        return {"user_id": user.id, "email": user.email, "org": org.name, "role": role}


def organisation_members(registry: Registry, *, principal: Principal) -> list[dict]:
    """The members of the caller's organisation and their roles: all of them for its owners (and
    admins), the caller's own membership for everyone else."""
    if principal.org_id is None:
        return []
    with registry.db.reading() as session:
        rows = members(session, principal.org_id)
    if not (principal.is_admin or principal.at_least("owner")):
        rows = [(user, role) for user, role in rows if user.id == principal.user_id]
    return [{"email": user.email, "role": role} for user, role in rows]


def issue_api_key(registry: Registry, *, org_name: str | None, role: str, name: str = "",
                  expires_days: int | None = None, principal: Principal = OPERATOR) -> dict:
    """A new key (shown once). An organisation's owner issues keys of its own organisation only."""
    with registry.db.writing() as session:
        if not principal.is_admin:
            if role == ADMIN:
                raise ForbiddenError("only an admin can issue an admin key")
            if org_name not in (None, principal.org_name, principal.org_id):
                raise ForbiddenError(f"you can issue keys of {principal.org_name!r} only")
            org_name = principal.org_name
        org = require_org(session, org_name) if org_name else None
        issued = issue_key(session, org=org, role=role, name=name, expires_days=expires_days,
                           user_id=principal.user_id if principal.kind == "session" else None)
        record_audit(session, principal, "issue-key", target=f"key:{issued['key_id']}",
                     detail=f"{role} of {org.name if org else 'the registry'}")
        return issued


def revoke_api_key(registry: Registry, key_id: str, *, principal: Principal = OPERATOR) -> dict:
    with registry.db.writing() as session:
        key = find_key(session, key_id)
        if not (principal.is_admin or principal.in_org(key.org_id)):
            raise ForbiddenError(f"key {key_id} is not your organisation's")
        revoked = revoke_key(session, key)
        record_audit(session, principal, "revoke-key", target=f"key:{key.id}")
    registry.key_authenticator.forget(key_id.strip())
    return revoked


def api_keys(registry: Registry, *, org_name: str | None = None, principal: Principal = OPERATOR) -> list[dict]:
    with registry.db.reading() as session:
        if not principal.is_admin:
            org_name = principal.org_name
        return list_keys(session, org=require_org(session, org_name) if org_name else None)


def audit_events(registry: Registry, *, since: str | None = None) -> list[dict]:
    moment = None
    if since:
        try:
            moment = datetime.combine(date.fromisoformat(since), datetime.min.time(), timezone.utc)
        except ValueError as e:
            raise InvalidInputError(f"--since must be a date like 2026-12-01, got {since!r}") from e
    with registry.db.reading() as session:
        return list_audit(session, since=moment)


def start_session(registry: Registry, email: str, password: str, org_name: str | None = None) -> SignedIn:
    with registry.db.writing() as session:
        return sign_in(session, email, password, org_name)


def switch_session_org(registry: Registry, token: str, org_name: str) -> Principal:
    with registry.db.writing() as session:
        principal = switch_org(session, token, org_name)
        record_audit(session, principal, "session-switch-org", target=f"org:{principal.org_id}")
        return principal


def end_session(registry: Registry, token: str) -> None:
    with registry.db.writing() as session:
        sign_out(session, token)


def describe_principal(registry: Registry, principal: Principal) -> dict:
    orgs = []
    if principal.user_id:
        with registry.db.reading() as session:
            orgs = [{"org": org.name, "role": role} for org, role in memberships(session, principal.user_id)]
    return {"authenticated": principal.authenticated, "credential": principal.credential, "org": principal.org_name,
            "role": principal.role, "user": principal.user_email, "memberships": orgs}
