"""The object-level rules the declared policy (web/policy.py) names, one function each.

Each takes the reading session, the caller and the path's object id, raises the registry error
the caller must see (404 for what it may not know exists, 403 for another's object it can see),
and returns the work whose read must be audited (an unpublished work read from outside its
organisation), or None.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlmodel import Session, select

from ..errors import ForbiddenError, NotFoundError, UnknownPartyError, UnknownWorkError
from ..models import (ApiKey, Claim, LedgerEntry, Party, SheetAmendment, SheetVersionRow, WebhookDelivery,
                      WebhookEndpoint, Work)
from .access import can_see, owned_work, read_from_outside, speaks_for, visible_work
from .principal import Principal

ObjectRule = Callable[[Session, Principal, str], Work | None]
MAX_ROW_ID = (1 << 31) - 1  # INTEGER primary keys (32-bit on PostgreSQL)


def _row_id(text: str) -> int | None:
    """A path's integer id within what the column holds, else None (which answers 404)."""
    return int(text) if text.isdigit() and len(text) <= 10 and int(text) <= MAX_ROW_ID else None


def work_visible(session: Session, principal: Principal, work_id: str) -> Work | None:
    work = visible_work(session, principal, work_id)
    return work if read_from_outside(principal, work) else None


def manifest_visible(session: Session, principal: Principal, manifest_id: str) -> Work | None:
    """A manifest (by its label) of a work the caller may see; 404 naming only the manifest id."""
    from ..soft_binding.labels import visible_manifest

    _, work = visible_manifest(session, principal, manifest_id)
    return work if read_from_outside(principal, work) else None


def work_own(session: Session, principal: Principal, work_id: str) -> Work | None:
    owned_work(session, principal, work_id)
    return None


def _sheet_party_ids(session: Session, work_id: str) -> set[str]:
    """Every party named on the work's adopted versions and its amendments (pool members too)."""
    ids: set[str] = set()
    sheets = [json.loads(v) for v in session.exec(select(SheetVersionRow.version_json)
                                                  .where(SheetVersionRow.work_id == work_id)).all()]
    sheets = [v["sheet"] for v in sheets]
    sheets += [json.loads(a) for a in session.exec(select(SheetAmendment.sheet_json)
                                                   .where(SheetAmendment.work_id == work_id)).all()]
    for sheet in sheets:
        for entry in sheet.get("parties", []):
            ids.update(entry.get("members", {}) if "members" in entry else [entry.get("party_id")])
    ids.discard(None)  # type: ignore[arg-type]
    return ids


def _speaks_for_a_party_of(session: Session, principal: Principal, work_id: str) -> bool:
    ids = _sheet_party_ids(session, work_id)
    if not ids:
        return False
    parties = session.exec(select(Party).where(Party.id.in_(ids))).all()  # type: ignore[attr-defined]
    return any(speaks_for(principal, p) for p in parties)


def sheet_reader(session: Session, principal: Principal, work_id: str) -> Work | None:
    """A work's split sheet is its organisation's business and that of the parties it names."""
    work = session.get(Work, work_id)
    if work is None:
        raise UnknownWorkError(f"unknown work {work_id!r}")
    if principal.is_admin or principal.in_org(work.org_id):
        return work if read_from_outside(principal, work) else None
    if _speaks_for_a_party_of(session, principal, work_id):
        return None
    if not can_see(principal, work):
        raise UnknownWorkError(f"unknown work {work_id!r}")
    raise ForbiddenError(f"the split sheet of work {work_id} is its organisation's and its parties' business")


def _amendment(session: Session, amendment_id: str) -> SheetAmendment:
    row_id = _row_id(amendment_id)
    row = session.get(SheetAmendment, row_id) if row_id is not None else None
    if row is None:
        raise NotFoundError(f"unknown amendment {amendment_id}")
    return row


def amendment_party(session: Session, principal: Principal, amendment_id: str) -> Work | None:
    """An amendment is there for its work's organisation and for every party it needs a signature of."""
    row = _amendment(session, amendment_id)
    work = session.get(Work, row.work_id)
    assert work is not None
    if principal.is_admin or principal.in_org(work.org_id) or _speaks_for_a_party_of(session, principal, work.id):
        return None
    raise NotFoundError(f"unknown amendment {amendment_id}")


def amendment_open(session: Session, principal: Principal, amendment_id: str) -> Work | None:
    row = _amendment(session, amendment_id)
    work = session.get(Work, row.work_id)
    assert work is not None
    if principal.is_admin or principal.in_org(work.org_id) or principal.in_org(row.proposer_org_id):
        return None
    raise NotFoundError(f"unknown amendment {amendment_id}")


def entry_owner(session: Session, principal: Principal, entry_id: str) -> Work | None:
    row_id = _row_id(entry_id)
    entry = session.get(LedgerEntry, row_id) if row_id is not None else None
    if entry is None:
        raise NotFoundError(f"unknown ledger entry {entry_id}")
    try:
        owned_work(session, principal, entry.work_id)
    except UnknownWorkError as e:
        raise NotFoundError(f"unknown ledger entry {entry_id}") from e
    return None


def party_speaker(session: Session, principal: Principal, name_or_id: str) -> Work | None:
    party = session.exec(select(Party).where((Party.name == name_or_id) | (Party.id == name_or_id))).first()
    if party is None or not speaks_for(principal, party):
        raise UnknownPartyError(f"unknown party {name_or_id!r}: register the party first")
    return None


def key_manager(session: Session, principal: Principal, key_id: str) -> Work | None:
    key = session.get(ApiKey, key_id)
    if key is None or not (principal.is_admin or principal.in_org(key.org_id)):
        raise NotFoundError(f"unknown API key {key_id!r}")
    return None


def claim_party(session: Session, principal: Principal, claim_id: str) -> Work | None:
    """A side of the claim: the organisation that filed it or the one that registered the work."""
    claim = session.get(Claim, claim_id) if len(claim_id) <= 40 else None
    if claim is None or not (principal.is_admin or principal.in_org(claim.claimant_org_id)
                             or principal.in_org(claim.respondent_org_id)):
        raise NotFoundError(f"unknown claim {claim_id[:40]!r}")
    return None


def webhook_manager(session: Session, principal: Principal, webhook_id: str) -> Work | None:
    """A live webhook of the caller's organisation (admins: any)."""
    endpoint = session.get(WebhookEndpoint, webhook_id) if len(webhook_id) <= 40 else None
    if endpoint is None or endpoint.deleted_at is not None or not (
            principal.is_admin or principal.in_org(endpoint.org_id)):
        raise NotFoundError(f"unknown webhook {webhook_id[:40]!r}")
    return None


def delivery_manager(session: Session, principal: Principal, delivery_id: str) -> Work | None:
    """A delivery of a webhook of the caller's organisation (admins: any)."""
    delivery = session.get(WebhookDelivery, delivery_id) if len(delivery_id) <= 40 else None
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
    if endpoint is None or not (principal.is_admin or principal.in_org(endpoint.org_id)):
        raise NotFoundError(f"unknown webhook delivery {delivery_id[:40]!r}")
    return None


OBJECT_RULES: dict[str, ObjectRule] = {
    "work_visible": work_visible, "manifest_visible": manifest_visible, "work_own": work_own,
    "sheet_reader": sheet_reader,
    "amendment_party": amendment_party, "amendment_open": amendment_open, "entry_owner": entry_owner,
    "party_speaker": party_speaker, "key_manager": key_manager, "claim_party": claim_party,
    "webhook_manager": webhook_manager, "delivery_manager": delivery_manager,
}
