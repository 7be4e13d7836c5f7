"""The first start: an admin credential printed once (as Grafana and Jupyter do) and the
organisation the samples belong to."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from ..models import ApiKey, User
from .api_keys import issue_key
from .orgs import add_user, ensure_org
from .principal import ADMIN

ADMIN_EMAIL = "admin@localhost"
SAMPLES_ORG = "samples"


@dataclass(frozen=True)
class FirstAdmin:
    email: str
    password: str
    api_key: str
    key_id: str


def first_admin(session: Session) -> FirstAdmin | None:
    """An admin user and an admin API key, when the registry has no admin yet; None otherwise."""
    if session.exec(select(User).where(User.is_admin == True)).first() is not None:  # noqa: E712
        return None
    if session.exec(select(ApiKey).where(ApiKey.role == ADMIN)).first() is not None:
        return None
    password = secrets.token_urlsafe(18)
    add_user(session, ADMIN_EMAIL, password, is_admin=True)
    key = issue_key(session, org=None, role=ADMIN, name="first start")
    return FirstAdmin(ADMIN_EMAIL, password, key["key"], key["key_id"])


def samples_org(session: Session):  # type: ignore[no-untyped-def]
    return ensure_org(session, SAMPLES_ORG, "creator")
