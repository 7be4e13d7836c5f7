"""Parties, split sheets (proposed, signed, adopted) and royalty terms, stored in the database.

The rules live in the pure `revenue` library; this module resolves party names to registry
parties, keeps amendments until every required party has signed, and adopts them in the same
transaction as the last signature. Signatures are stamped with the registry's clock, never the
caller's, so nobody can sign in the past.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timezone
from fractions import Fraction

from sqlmodel import Session, select

import revenue
from revenue import Amendment, DataProviderPool, Party as SheetParty, SheetHistory, SplitSheet

from .errors import ConflictError, InvalidInputError, NotFoundError, UnknownWorkError
from .models import Party, SheetAmendment, SheetVersionRow, Work, WorkParent, WorkTerms, WorkVersion
from .service import Registry, ensure_party, find_party, require_party


def rule_error(error: revenue.RevenueError) -> InvalidInputError:
    """A revenue rule broken by the caller, as a registry error naming the rule."""
    return InvalidInputError(str(error), rule=type(error).__name__)


def _date(value: object, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as e:
        raise InvalidInputError(f"{what} must be a date like 2026-12-01, got {value!r}") from e


# -- parties -----------------------------------------------------------------------------------
def add_party(registry: Registry, name: str, kind: str = "organisation") -> dict:
    name = name.strip()
    if not 0 < len(name) <= 200:
        raise InvalidInputError("a party name must be 1 to 200 characters")
    if kind not in ("organisation", "person"):
        raise InvalidInputError(f"party kind must be organisation or person, got {kind!r}")
    with registry.db.writing() as session:
        if find_party(session, name) is not None:
            raise ConflictError(f"party {name!r} already exists")
        party = ensure_party(session, name, kind)
        return {"party_id": party.id, "name": party.name, "kind": party.kind}


def list_parties(registry: Registry) -> list[dict]:
    with registry.db.reading() as session:
        return [{"party_id": p.id, "name": p.name, "kind": p.kind}
                for p in session.exec(select(Party).order_by(Party.name)).all()]


def _party_names(session: Session) -> dict[str, str]:
    return {p.id: p.name for p in session.exec(select(Party)).all()}


# -- sheets ------------------------------------------------------------------------------------
def _sheet_from_request(session: Session, parties: object) -> SplitSheet:
    """[{"party", "role", "share"} | {"pool", "share", "members": {party: weight}}] -> SplitSheet."""
    if not isinstance(parties, list) or not parties:
        raise InvalidInputError("a split sheet needs a non-empty list of parties")
    slots = []
    try:
        for entry in parties:
            if not isinstance(entry, Mapping):
                raise InvalidInputError(f"each sheet entry must be an object, got {entry!r}")
            share = revenue.parse_share(entry.get("share", ""))
            if "pool" in entry:
                members = entry.get("members")
                if not isinstance(members, Mapping):
                    raise InvalidInputError(f"pool {entry['pool']!r} needs members: {{party: weight}}")
                slots.append(DataProviderPool(str(entry["pool"]), share, {
                    require_party(session, name).id: weight for name, weight in members.items()}))
            else:
                party = require_party(session, str(entry.get("party", "")))
                slots.append(SheetParty(party.id, entry.get("role", "other"), share))
        return SplitSheet(slots)
    except revenue.RevenueError as e:
        raise rule_error(e) from e


def _history(session: Session, work_id: str) -> SheetHistory:
    rows = session.exec(
        select(SheetVersionRow).where(SheetVersionRow.work_id == work_id).order_by(SheetVersionRow.number)  # type: ignore[arg-type]
    ).all()
    return SheetHistory.from_dict({"work_id": work_id, "versions": [json.loads(r.version_json) for r in rows]})


def _require_work(session: Session, work_id: str) -> Work:
    work = session.get(Work, work_id)
    if work is None:
        raise UnknownWorkError(f"unknown work {work_id!r}")
    return work


def _amendment(row: SheetAmendment, history: SheetHistory) -> Amendment:
    sheet = SplitSheet.from_dict(json.loads(row.sheet_json))
    proposed = Amendment(row.work_id, row.replaces, sheet, row.effective_from,
                         sheet.party_ids | (history.latest.sheet.party_ids if history.latest else frozenset()))
    for signature in json.loads(row.signatures_json):
        proposed = proposed.sign(signature["party_id"], datetime.fromisoformat(signature["signed_at"]))
    return proposed


def _describe_amendment(row: SheetAmendment, proposed: Amendment, names: dict[str, str]) -> dict:
    return {
        "amendment_id": row.id, "work_id": row.work_id, "status": row.status, "replaces_version": row.replaces,
        "effective_from": row.effective_from.isoformat(), "sheet": _named_sheet(proposed.sheet.to_dict(), names),
        "signed": [{"party": names.get(s.party_id, s.party_id), "signed_at": s.signed_at.isoformat()}
                   for s in proposed.signatures],
        "missing": sorted(names.get(p, p) for p in proposed.missing),
    }


def _named_sheet(sheet: dict, names: dict[str, str]) -> dict:
    parties = []
    for entry in sheet["parties"]:
        if "pool_id" in entry:
            parties.append({**entry, "members": {names.get(k, k): v for k, v in entry["members"].items()}})
        else:
            parties.append({**entry, "party": names.get(entry["party_id"], entry["party_id"])})
    return {"parties": parties}


def propose_sheet(registry: Registry, work_id: str, parties: object, effective_from: object) -> dict:
    """A new open amendment of the work's split sheet; nothing changes until every party signs."""
    with registry.db.writing() as session:
        _require_work(session, work_id)
        sheet = _sheet_from_request(session, parties)
        history = _history(session, work_id)
        proposed = history.propose(sheet, _date(effective_from, "effective_from"))
        row = SheetAmendment(work_id=work_id, replaces=proposed.replaces, effective_from=proposed.effective_from,
                             sheet_json=json.dumps(sheet.to_dict()))
        session.add(row)
        session.flush()
        return _describe_amendment(row, proposed, _party_names(session))


def sign_amendment(registry: Registry, amendment_id: int, party_name: str) -> dict:
    """Record `party_name`'s consent now; the last required signature adopts the version."""
    with registry.db.writing() as session:
        row = session.get(SheetAmendment, amendment_id)
        if row is None:
            raise NotFoundError(f"unknown amendment {amendment_id}")
        if row.status != "open":
            raise ConflictError(f"amendment {amendment_id} is {row.status}, not open for signatures")
        party = require_party(session, party_name)
        history = _history(session, row.work_id)
        try:
            proposed = _amendment(row, history).sign(party.id, datetime.now(timezone.utc))
            if not proposed.missing:
                history = history.adopt(proposed)
        except revenue.RevenueError as e:
            raise rule_error(e) from e
        row.signatures_json = json.dumps([{"party_id": s.party_id, "signed_at": s.signed_at.isoformat()}
                                          for s in proposed.signatures])
        if not proposed.missing:
            row.status = "adopted"
            assert history.latest is not None
            session.add(SheetVersionRow(work_id=row.work_id, number=history.latest.number, amendment_id=row.id,
                                        version_json=json.dumps(history.latest.to_dict())))
        session.add(row)
        session.flush()
        return _describe_amendment(row, proposed, _party_names(session))


def sheet_history(registry: Registry, work_id: str) -> dict:
    with registry.db.reading() as session:
        _require_work(session, work_id)
        names = _party_names(session)
        current = _history(session, work_id)
        history = current.to_dict()
        open_rows = session.exec(select(SheetAmendment).where(SheetAmendment.work_id == work_id,
                                                              SheetAmendment.status == "open")).all()
        return {
            "work_id": work_id,
            "versions": [{**v, "sheet": _named_sheet(v["sheet"], names),
                          "signatures": [{**s, "party": names.get(s["party_id"], s["party_id"])} for s in v["signatures"]]}
                         for v in history["versions"]],
            "open_amendments": [_describe_amendment(r, _amendment(r, current), names) for r in open_rows],
            "terms": _terms_dict(session.get(WorkTerms, work_id)),
        }


# -- royalty terms -----------------------------------------------------------------------------
def _terms_dict(terms: WorkTerms | None) -> dict:
    if terms is None:
        return {"parents": {}, "model": "relative", "resale_royalty_bps": 0, "set": False}
    return {"parents": json.loads(terms.parents_json), "model": terms.model,
            "resale_royalty_bps": terms.resale_royalty_bps, "set": True}


def set_terms(registry: Registry, work_id: str, *, parents: Mapping[str, int], model: str = "relative",
              resale_royalty_bps: int = 0) -> dict:
    """Fix a work's royalty terms once: each parent's share in bps (parents must be the work's
    registered parents), the relative or absolute model, and its resale royalty."""
    with registry.db.writing() as session:
        _require_work(session, work_id)
        if session.get(WorkTerms, work_id) is not None:
            raise ConflictError(f"royalty terms of work {work_id} are already set and cannot change")
        registered = set(session.exec(
            select(WorkParent.parent_work_id).join(WorkVersion, WorkVersion.id == WorkParent.version_id)  # type: ignore[arg-type]
            .where(WorkVersion.work_id == work_id)).all())
        for parent in parents:
            if parent not in registered:
                raise InvalidInputError(f"work {parent!r} is not a registered parent of work {work_id}: "
                                        f"its parents are {sorted(registered) or 'none'}")
        for parent, share in parents.items():
            if type(share) is not int:
                raise InvalidInputError(f"share of parent {parent!r} must be whole basis points, got {share!r}")
        try:
            node = revenue.WorkNode(work_id, {p: revenue.bps(s) for p, s in parents.items()}, model, resale_royalty_bps)
            load_graph(session, work_id, extra=node)  # cycles and depth checked against the whole graph
        except revenue.RevenueError as e:
            raise rule_error(e) from e
        terms = WorkTerms(work_id=work_id, parents_json=json.dumps(dict(sorted(parents.items()))), model=str(node.model),
                          resale_royalty_bps=resale_royalty_bps)
        session.add(terms)
        session.flush()
        return _terms_dict(terms)


def _node(terms: WorkTerms | None, work_id: str) -> revenue.WorkNode:
    if terms is None:
        return revenue.WorkNode(work_id)
    parents = {p: Fraction(s, revenue.BASIS_POINTS) for p, s in json.loads(terms.parents_json).items()}
    return revenue.WorkNode(work_id, parents, terms.model, terms.resale_royalty_bps)


def load_graph(session: Session, work_id: str, *, extra: revenue.WorkNode | None = None) -> revenue.DerivativeGraph:
    """The derivative graph of `work_id` and all its ancestors, from their royalty terms."""
    nodes: dict[str, revenue.WorkNode] = {}
    pending = [work_id]
    while pending:
        current = pending.pop()
        if current in nodes:
            continue
        node = extra if extra is not None and current == extra.work_id else _node(session.get(WorkTerms, current), current)
        nodes[current] = node
        pending.extend(node.parents)
        if len(nodes) > 10_000:
            raise InvalidInputError("derivative graph is larger than 10,000 works")
    return revenue.DerivativeGraph(nodes.values())


def load_histories(session: Session, work_ids: object) -> dict[str, SheetHistory]:
    return {work_id: _history(session, work_id) for work_id in work_ids}  # type: ignore[attr-defined]
