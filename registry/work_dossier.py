"""What a work's page shows beside the work itself, each part only to those who may see it: the
split sheet (its organisation and the parties it names), the ledger lines (its organisation), and
the claims that involve it (the sides of each claim)."""

from __future__ import annotations

from .accounts.object_rules import sheet_reader
from .accounts.principal import Principal
from .claims import list_claims
from .errors import ForbiddenError, NotFoundError
from .ledger import list_entries
from .models import Work
from .service import Registry
from .sheets import parties_signable_by, sheet_history


def work_dossier(registry: Registry, principal: Principal, work_id: str) -> dict:
    """`{"sheet": ... or None, "signable": {amendment id: [party names]}, "ledger": [...] or None,
    "claims": [...]}` for the caller."""
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
    signable = {a["amendment_id"]: parties_signable_by(registry, principal, a["missing"])
                for a in (sheet or {}).get("open_amendments", [])} if principal.authenticated else {}
    return {
        "sheet": sheet,
        "signable": signable,
        "ledger": list_entries(registry, work_id=work_id, limit=50) if own else None,
        "claims": list_claims(registry, principal, work_id=work_id, limit=50) if principal.authenticated else [],
    }
