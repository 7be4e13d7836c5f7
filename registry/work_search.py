"""Find registered works the caller may see: by title, sha256, work id or ISCC (an ISCC-CODE, or one
of its units: the works sharing its content, data or instance unit), by kind, organisation and
registration date, a page at a time in log order (keyset paging: every work is reachable, and a page
costs the same however deep it is).

>>> query = WorkQuery(text="storm", kind="article", limit=20)
>>> query.text, query.after
('storm', None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, or_
from sqlmodel import col, select

from fingerprint.iscc import is_iscc

from .accounts.access import is_public, visible_clause
from .accounts.principal import OPERATOR, Principal
from .errors import InvalidInputError
from .ids import is_id
from .iscc import iscc_clause
from .models import Organisation, Work, WorkIscc, WorkVersion
from .service import Registry

KINDS = ("article", "video", "image")
MAX_PAGE = 200
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class WorkQuery:
    text: str = ""  # words of the title, a sha256 (64 hex digits), a work id or an ISCC code or unit (ISCC:...)
    kind: str | None = None
    organisation: str | None = None  # the registering organisation's name
    registered_from: date | None = None  # inclusive, UTC days
    registered_to: date | None = None  # inclusive
    after: int | None = None  # the log index the previous page ended at
    limit: int = 50

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidInputError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidInputError(f"limit must be between 1 and {MAX_PAGE}, got {self.limit}")
        if self.after is not None and not 0 <= self.after < 2**31:
            raise InvalidInputError(f"after must be a log index, got {self.after}")
        if len(self.text) > 200:
            raise InvalidInputError("the search text is longer than 200 characters")


@dataclass(frozen=True)
class WorkPage:
    works: list[dict]
    next_after: int | None  # pass as `after` for the next page; None on the last page


def parse_day(text: str | None, name: str) -> date | None:
    """A search bound given as an ISO day (None: no bound); 422 for anything else."""
    try:
        return date.fromisoformat(text) if text is not None else None
    except ValueError as e:
        raise InvalidInputError(f"{name} must be a date (YYYY-MM-DD), got {text[:40]!r}") from e


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally (escape character \\)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_works(registry: Registry, query: WorkQuery, *, principal: Principal = OPERATOR) -> WorkPage:
    """One page of the works matching ``query`` that the caller may see, in log order."""
    statement = (
        select(Work, WorkVersion, Organisation.name, WorkIscc.code)
        .join(WorkVersion, WorkVersion.work_id == Work.id)  # type: ignore[arg-type]
        .join(Organisation, Organisation.id == Work.org_id, isouter=True)  # type: ignore[arg-type]
        .join(WorkIscc, WorkIscc.version_id == WorkVersion.id, isouter=True)  # type: ignore[arg-type]
        .where(visible_clause(principal))
    )
    text = query.text.strip()
    if text and is_iscc(text):
        statement = statement.where(iscc_clause(text))
    elif text:
        lowered = text.lower()
        matches = [func.lower(Work.title).like(_like(lowered), escape="\\")]
        if _SHA256.fullmatch(lowered):
            matches.append(WorkVersion.sha256 == lowered)
        if is_id(text.upper()):
            matches.append(Work.id == text.upper())
        statement = statement.where(or_(*matches))
    if query.kind:
        statement = statement.where(Work.kind == query.kind)
    if query.organisation:
        statement = statement.where(Organisation.name == query.organisation)
    if query.registered_from:
        statement = statement.where(col(WorkVersion.created_at) >= _start_of(query.registered_from))
    if query.registered_to:
        statement = statement.where(col(WorkVersion.created_at) < _start_of(query.registered_to + timedelta(days=1)))
    if query.after is not None:
        statement = statement.where(col(WorkVersion.log_index) > query.after)
    statement = statement.order_by(col(WorkVersion.log_index)).limit(query.limit + 1)
    with registry.db.reading() as session:
        rows = session.exec(statement).all()
    works = [{"work_id": w.id, "kind": w.kind, "title": w.title, "log_index": v.log_index, "sha256": v.sha256,
              "organisation": org, "registered_at": v.created_at.isoformat(), "published": is_public(w),
              "iscc": iscc} for w, v, org, iscc in rows[: query.limit]]
    return WorkPage(works=works, next_after=works[-1]["log_index"] if len(rows) > query.limit else None)


def organisations(registry: Registry) -> list[str]:
    """The names of the organisations, for a filter's choices."""
    with registry.db.reading() as session:
        return sorted(session.exec(select(Organisation.name)).all())


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)
