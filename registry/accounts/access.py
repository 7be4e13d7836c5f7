"""Object-level rules (OWASP API1): which works a caller sees and owns, and for whom it consents.

A work belongs to the organisation whose credential registered it. A published work is public;
an unpublished or embargoed one is seen only by its organisation and admins, and to anyone else it
does not exist (404, never 403: no existence leak). Writes to another organisation's published
work are 403. Every read of an unpublished work from outside its organisation (an admin's) is
written to the audit log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, true
from sqlmodel import Session, col

from ..errors import ForbiddenError, UnknownWorkError
from ..models import Party, Work, utc_now
from .principal import Principal

#: What anyone outside the organisation learns of an unpublished work that matches their file.
RESTRICTED_NOTE = "a registered work matches; it is unpublished: ask"


def is_public(work: Work | WorkFacts, now: datetime | None = None) -> bool:
    return work.published_at is not None and work.published_at <= (now or utc_now())


def can_see(principal: Principal, work: Work | WorkFacts) -> bool:
    """Whether the caller may see the work: its title, content, manifest, passages, history."""
    return is_public(work) or principal.in_org(work.org_id) or principal.is_admin


def read_from_outside(principal: Principal, work: Work | WorkFacts) -> bool:
    """Whether this read of an unpublished work comes from outside its organisation (an admin's)."""
    return not is_public(work) and not principal.in_org(work.org_id) and principal.kind != "operator"


@dataclass(frozen=True)
class WorkFacts:
    """What the visibility rules need of a work: its organisation (never changes) and when it is
    published (changes only towards public)."""

    id: str
    org_id: str | None
    published_at: datetime | None


class WorkFactsCache:
    """Recently looked-up works' facts, so the `work_visible` rule of a public read needs no query.
    Stale facts can only hide a work that was just published (for at most `SECONDS`, in other
    processes; `forget` on publishing clears this one's): they never show an unpublished one."""

    SECONDS = 30.0
    LIMIT = 100_000

    def __init__(self) -> None:
        self._facts: dict[str, tuple[float, WorkFacts]] = {}

    def get(self, work_id: str) -> WorkFacts | None:
        found = self._facts.get(work_id)
        if found is None or time.monotonic() - found[0] > self.SECONDS:
            return None
        return found[1]

    def put(self, work: Work) -> None:
        if len(self._facts) >= self.LIMIT:
            self._facts.clear()
        self._facts[work.id] = (time.monotonic(), WorkFacts(work.id, work.org_id, work.published_at))

    def forget(self, work_id: str) -> None:
        self._facts.pop(work_id, None)


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL filter of the works a caller may list."""
    if principal.is_admin:
        return true()
    public = and_(col(Work.published_at).is_not(None), col(Work.published_at) <= utc_now())
    if principal.org_id is None:
        return public
    return or_(public, col(Work.org_id) == principal.org_id)


def visible_work(session: Session, principal: Principal, work_id: str) -> Work:
    """The work if the caller may see it, else UnknownWorkError exactly as for a missing id
    (the caller audits an outside read: `read_from_outside`)."""
    work = session.get(Work, work_id)
    if work is None or not can_see(principal, work):
        raise UnknownWorkError(f"unknown work {work_id!r}")
    return work


def owned_work(session: Session, principal: Principal, work_id: str) -> Work:
    """The work if the caller's organisation owns it (or the caller is an admin): 404 when the caller
    cannot see it, 403 when it can but the work is another organisation's."""
    work = visible_work(session, principal, work_id)
    if not (principal.in_org(work.org_id) or principal.is_admin):
        raise ForbiddenError(f"work {work_id} belongs to another organisation", work_id=work_id)
    return work


def may_consent_for(principal: Principal, party: Party) -> bool:
    """A party consents through its own user, or an owner of its organisation (or the local operator)."""
    if principal.kind == "operator":
        return True
    if party.user_id is not None and principal.user_id == party.user_id:
        return True
    return principal.in_org(party.org_id) and principal.role == "owner"


def speaks_for(principal: Principal, party: Party) -> bool:
    """Whether the caller may read the party's statement: its user, its organisation's members, admins."""
    return (principal.is_admin or principal.in_org(party.org_id)
            or (party.user_id is not None and principal.user_id == party.user_id))
