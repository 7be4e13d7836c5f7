"""What a work's page shows beside the work itself, each part only to those who may see it: the
split sheet (its organisation and the parties it names), the ledger lines (its organisation), and
the claims that involve it (the sides of each claim), and the statements of the sheet's parties the
caller may read (each party's user, its organisation, admins)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from .accounts.object_rules import party_speaker, sheet_reader
from .accounts.principal import Principal
from .claims import list_claims
from .errors import ForbiddenError, NotFoundError, UnknownPartyError
from .ledger import list_entries
from .models import Work
from .service import Registry
from .sheets import parties_signable_by, sheet_history


def work_dossier(registry: Registry, principal: Principal, work_id: str) -> dict:
    """`{"sheet": ... or None, "signable": {amendment id: [party names]}, "ledger": [...] or None,
    "claims": [...], "statements": [...]}` for the caller."""
    with registry.db.reading() as session:
        work = session.get(Work, work_id)
        if work is None:
            raise NotFoundError(f"unknown work {work_id!r}")
        try:
            sheet_reader(session, principal, work_id)
            may_read_sheet = True
        except (ForbiddenError, NotFoundError):
            may_read_sheet = False
        own = principal.is_admin or principal.in_org(work.org_id)
    sheet = sheet_history(registry, work_id) if may_read_sheet else None
    statements = _readable_statements(registry, principal, sheet, work.created_at.date()) if sheet else []
    signable = {a["amendment_id"]: parties_signable_by(registry, principal, a["missing"])
                for a in (sheet or {}).get("open_amendments", [])} if principal.authenticated else {}
    return {
        "sheet": sheet,
        "signable": signable,
        "ledger": list_entries(registry, work_id=work_id, limit=50) if own else None,
        "claims": list_claims(registry, principal, work_id=work_id, limit=50) if principal.authenticated else [],
        "statements": statements,
    }


def _readable_statements(registry: Registry, principal: Principal, sheet: dict, since: date) -> list[dict]:
    """`{"party", "from", "to"}` for each named party of the sheet's versions whose statement the
    caller may read: from the work's registration day to today."""
    names = sorted({entry["party"] for version in sheet.get("versions", []) for entry in version["sheet"]["parties"]
                    if entry.get("party")})
    readable = []
    with registry.db.reading() as session:
        for name in names:
            try:
                party_speaker(session, principal, name)
            except UnknownPartyError:
                continue
            readable.append({"party": name, "from": since.isoformat(), "to": datetime.now(timezone.utc).date().isoformat()})
    return readable
