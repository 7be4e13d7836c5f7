"""API keys: issued once (the secret is shown at creation and never again), listed by id,
revoked, and checked on every request. `last_used_at` is written at most once a minute per key
and process, so authentication costs a read, not a write; a key checked in the last
`KEY_CACHE_SECONDS` is checked again from memory (its secret's hash, expiry and role), so most
requests cost no database read at all. Revoking a key forgets it at once in the process that
revoked it; other processes stop accepting it within `KEY_CACHE_SECONDS`."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from ..database import Database
from ..errors import InvalidInputError, NotFoundError, UnauthenticatedError
from ..models import ApiKey, Organisation, utc_now
from .credentials import new_api_key, parse_api_key, secret_matches
from .principal import ADMIN, ORG_ROLES, Principal

LAST_USED_RESOLUTION = timedelta(minutes=1)
KEY_CACHE_SECONDS = 5.0
MAX_EXPIRY_DAYS = 3650


def issue_key(session: Session, *, org: Organisation | None, role: str, name: str = "",
              expires_days: int | None = None, user_id: str | None = None) -> dict:
    """A new key: `{"key_id", "key", "org", "role", "expires_at"}`; `key` appears only here."""
    if role == ADMIN:
        if org is not None:
            raise InvalidInputError("an admin key is registry-wide: issue it without an organisation")
    elif role not in ORG_ROLES:
        raise InvalidInputError(f"role must be one of {', '.join((*ORG_ROLES, ADMIN))}, got {role!r}")
    elif org is None:
        raise InvalidInputError(f"a {role} key belongs to an organisation: name it")
    if expires_days is not None and not 0 < expires_days <= MAX_EXPIRY_DAYS:
        raise InvalidInputError(f"expiry must be 1 to {MAX_EXPIRY_DAYS} days, got {expires_days}")
    if len(name) > 200:
        raise InvalidInputError("a key's name must be at most 200 characters")
    new = new_api_key()
    expires_at = utc_now() + timedelta(days=expires_days) if expires_days else None
    session.add(ApiKey(id=new.key_id, secret_sha256=new.secret_sha256, name=name, org_id=org.id if org else None,
                       user_id=user_id, role=role, expires_at=expires_at, created_at=utc_now()))
    session.flush()
    return {"key_id": new.key_id, "key": new.text, "org": org.name if org else None, "role": role,
            "expires_at": _iso(expires_at)}


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def describe_key(key: ApiKey, org_name: str | None) -> dict:
    now = utc_now()
    state = ("revoked" if key.revoked_at else "expired" if key.expires_at and key.expires_at <= now else "active")
    return {"key_id": key.id, "name": key.name, "org": org_name, "role": key.role, "state": state,
            "created_at": _iso(key.created_at), "expires_at": _iso(key.expires_at),
            "revoked_at": _iso(key.revoked_at), "last_used_at": _iso(key.last_used_at)}


def list_keys(session: Session, *, org: Organisation | None = None) -> list[dict]:
    statement = select(ApiKey, Organisation.name).outerjoin(Organisation, Organisation.id == ApiKey.org_id)  # type: ignore[arg-type]
    if org is not None:
        statement = statement.where(ApiKey.org_id == org.id)
    return [describe_key(key, name) for key, name in session.exec(statement.order_by(ApiKey.created_at)).all()]


def find_key(session: Session, key_id: str) -> ApiKey:
    key = session.get(ApiKey, key_id.strip())
    if key is None:
        raise NotFoundError(f"unknown API key {key_id!r}")
    return key


def revoke_key(session: Session, key: ApiKey) -> dict:
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        session.add(key)
        session.flush()
    org = session.get(Organisation, key.org_id) if key.org_id else None
    return describe_key(key, org.name if org else None)


@dataclass(frozen=True)
class _Checked:
    at: float  # time.monotonic() of the database check
    secret_sha256: str
    expires_at: datetime | None
    principal: Principal


class KeyAuthenticator:
    """Turns `Authorization: Bearer KEY` into a Principal; one per registry (it remembers when it
    last wrote each key's `last_used_at`, and the keys it checked in the last few seconds)."""

    def __init__(self) -> None:
        self._written: dict[str, datetime] = {}
        self._checked: dict[str, _Checked] = {}
        self._lock = threading.Lock()

    def from_memory(self, text: str) -> Principal | None:
        """The principal of a key checked against the database in the last KEY_CACHE_SECONDS, if
        it still holds (same secret, not expired, `last_used_at` not due); else None: check it."""
        parsed = parse_api_key(text)
        if parsed is None:
            return None
        checked = self._checked.get(parsed[0])
        if checked is None or time.monotonic() - checked.at > KEY_CACHE_SECONDS:
            return None
        now = utc_now()
        if checked.expires_at is not None and checked.expires_at <= now:
            return None
        last = self._written.get(parsed[0])
        if last is None or now - last >= LAST_USED_RESOLUTION or not secret_matches(parsed[1], checked.secret_sha256):
            return None
        return checked.principal

    def forget(self, key_id: str) -> None:
        self._checked.pop(key_id, None)

    def authenticate(self, db: Database, text: str) -> Principal:
        parsed = parse_api_key(text)
        if parsed is None:
            raise UnauthenticatedError("malformed API key: expected aigc_<12 hex digits>_<43 characters>")
        key_id, secret = parsed
        with db.reading() as session:
            row = session.exec(select(ApiKey, Organisation.name).outerjoin(Organisation, Organisation.id == ApiKey.org_id)  # type: ignore[arg-type]
                               .where(ApiKey.id == key_id)).first()
        if row is None or not secret_matches(secret, row[0].secret_sha256):
            raise UnauthenticatedError("unknown API key")
        key, org_name = row
        now = utc_now()
        if key.revoked_at is not None:
            raise UnauthenticatedError(f"API key {key_id} was revoked on {key.revoked_at:%Y-%m-%d}")
        if key.expires_at is not None and key.expires_at <= now:
            raise UnauthenticatedError(f"API key {key_id} expired on {key.expires_at:%Y-%m-%d}")
        self._touch(db, key_id, now)
        principal = Principal(kind="key", org_id=key.org_id, org_name=org_name, role=key.role, user_id=key.user_id,
                              credential=f"key:{key_id}")
        self._checked[key_id] = _Checked(time.monotonic(), key.secret_sha256, key.expires_at, principal)
        return principal

    def _touch(self, db: Database, key_id: str, now: datetime) -> None:
        with self._lock:
            last = self._written.get(key_id)
            if last is not None and now - last < LAST_USED_RESOLUTION:
                return
            self._written[key_id] = now
        with db.writing() as session:
            session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))  # type: ignore[arg-type]
