"""Parties, split sheets (proposed, signed, adopted) and royalty terms, stored in the database.

The rules live in the pure `revenue` library; this module resolves party names to registry
parties, keeps amendments until every required party has signed, and adopts them in the same
transaction as the last signature. Signatures are stamped with the registry's clock, never the
caller's, so nobody can sign in the past.

Consent is the party's own: only its user, or an owner of its organisation, can sign for it (the
local operator can sign for anyone). Each signature records who signed, when, with which
credential, and the SHA-256 of the amendment's canonical bytes (RFC 8785) it agreed to. Adopting
a version and setting royalty terms are appended to the transparency log, as ledger entries are,
so a statement can be proven against the log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime, timezone
from fractions import Fraction

import rfc8785
from sqlmodel import Session, select

import revenue
from revenue import Amendment, DataProviderPool, Party as SheetParty, SheetHistory, SplitSheet

from .accounts.access import may_consent_for
from .accounts.audit import record_audit
from .accounts.principal import OPERATOR, Principal
from .errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError, UnknownWorkError
from .models import Membership, Party, SheetAmendment, SheetVersionRow, User, Work, WorkParent, WorkTerms, WorkVersion
from .service import Registry, ensure_party, find_party, require_party

SHEET_STATEMENT_TYPE = "https://aigc-registry.dev/sheet-version/v1"
TERMS_STATEMENT_TYPE = "https://aigc-registry.dev/terms/v1"


def canonical_sha256(value: object) -> str:
    return hashlib.sha256(rfc8785.dumps(value)).hexdigest()


def _logged_at() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rule_error(error: revenue.RevenueError) -> InvalidInputError:
    """A revenue rule broken by the caller, as a registry error naming the rule."""
    return InvalidInputError(str(error), rule=type(error).__name__)


def parse_date(value: object, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as e:
        raise InvalidInputError(f"{what} must be a date like 2026-12-01, got {value!r}") from e


# -- parties -----------------------------------------------------------------------------------
def add_party(registry: Registry, name: str, kind: str = "organisation", *, principal: Principal = OPERATOR,
              user: str | None = None) -> dict:
    """A new party, linked to the caller's organisation (whose owners then consent for it) and,
    with `user` (a member's email), to that member, who may consent for it too."""
    name = name.strip()
    if not 0 < len(name) <= 200:
        raise InvalidInputError("a party name must be 1 to 200 characters")
    if kind not in ("organisation", "person"):
        raise InvalidInputError(f"party kind must be organisation or person, got {kind!r}")
    with registry.db.writing() as session:
        if find_party(session, name) is not None:
            raise ConflictError(f"party {name!r} already exists")
        user_id = _member_id(session, principal, user) if user else None
        party = ensure_party(session, name, kind)
        party.org_id, party.user_id = principal.org_id, user_id
        session.add(party)
        session.flush()
        return _describe_party(session, party)


def _member_id(session: Session, principal: Principal, email: str) -> str:
    found = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if found is None or not (principal.kind == "operator" or (
            principal.org_id and session.get(Membership, (found.id, principal.org_id)))):
        raise NotFoundError(f"no member {email!r} in your organisation")
    return found.id


def _describe_party(session: Session, party: Party) -> dict:
    from .models import Organisation

    org = session.get(Organisation, party.org_id) if party.org_id else None
    return {"party_id": party.id, "name": party.name, "kind": party.kind, "organisation": org.name if org else None}


def list_parties(registry: Registry) -> list[dict]:
    with registry.db.reading() as session:
        return [_describe_party(session, p) for p in session.exec(select(Party).order_by(Party.name)).all()]


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


def require_work(session: Session, work_id: str) -> Work:
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
    evidence = {s["party_id"]: s for s in json.loads(row.signatures_json)}
    return {
        "amendment_id": row.id, "work_id": row.work_id, "status": row.status, "replaces_version": row.replaces,
        "effective_from": row.effective_from.isoformat(), "sheet": _named_sheet(proposed.sheet.to_dict(), names),
        "amendment_sha256": row.amendment_sha256, "proposed_by": row.proposed_by,
        "signed": [{"party": names.get(s.party_id, s.party_id), "signed_at": s.signed_at.isoformat(),
                    "by": evidence.get(s.party_id, {}).get("by"),
                    "credential": evidence.get(s.party_id, {}).get("credential"),
                    "amendment_sha256": evidence.get(s.party_id, {}).get("amendment_sha256")}
                   for s in proposed.signatures],
        "missing": sorted(names.get(p, p) for p in proposed.missing),
    }


def amendment_bytes(row: SheetAmendment) -> bytes:
    """The canonical bytes (RFC 8785) a signer agrees to: the work, the version replaced, the day
    it takes effect and the sheet."""
    return rfc8785.dumps({"work_id": row.work_id, "replaces": row.replaces,
                          "effective_from": row.effective_from.isoformat(), "sheet": json.loads(row.sheet_json)})


def _named_sheet(sheet: dict, names: dict[str, str]) -> dict:
    parties = []
    for entry in sheet["parties"]:
        if "pool_id" in entry:
            parties.append({**entry, "members": {names.get(k, k): v for k, v in entry["members"].items()}})
        else:
            parties.append({**entry, "party": names.get(entry["party_id"], entry["party_id"])})
    return {"parties": parties}


def propose_sheet(registry: Registry, work_id: str, parties: object, effective_from: object, *,
                  principal: Principal = OPERATOR) -> dict:
    """A new open amendment of the work's split sheet; nothing changes until every party signs."""
    with registry.db.writing() as session:
        require_work(session, work_id)
        sheet = _sheet_from_request(session, parties)
        history = _history(session, work_id)
        try:
            proposed = history.propose(sheet, parse_date(effective_from, "effective_from"))
        except revenue.RevenueError as e:
            raise _named_rule_error(e, _party_names(session)) from e
        row = SheetAmendment(work_id=work_id, replaces=proposed.replaces, effective_from=proposed.effective_from,
                             sheet_json=json.dumps(sheet.to_dict()), proposer_org_id=principal.org_id,
                             proposed_by=principal.actor)
        row.amendment_sha256 = hashlib.sha256(amendment_bytes(row)).hexdigest()
        session.add(row)
        session.flush()
        return _describe_amendment(row, proposed, _party_names(session))


def withdraw_amendment(registry: Registry, amendment_id: int, *, principal: Principal = OPERATOR) -> dict:
    """Withdraw an open amendment: only its proposer (or an owner of the proposing organisation,
    or an admin) can; signatures already given lapse with it."""
    with registry.db.writing() as session:
        row = _open_amendment(session, amendment_id)
        if not (principal.is_admin or row.proposed_by == principal.actor
                or (principal.in_org(row.proposer_org_id) and principal.role == "owner")):
            raise ForbiddenError(f"amendment {amendment_id} can be withdrawn only by its proposer")
        row.status = "withdrawn"
        session.add(row)
        record_audit(session, principal, "withdraw-amendment", target=f"amendment:{amendment_id}")
        session.flush()
        return _describe_amendment(row, _amendment(row, _history(session, row.work_id)), _party_names(session))


def _open_amendment(session: Session, amendment_id: int) -> SheetAmendment:
    row = session.get(SheetAmendment, amendment_id)
    if row is None:
        raise NotFoundError(f"unknown amendment {amendment_id}")
    if row.status != "open":
        raise ConflictError(f"amendment {amendment_id} is {row.status}, not open")
    return row


def sign_amendment(registry: Registry, amendment_id: int, party_name: str, *,
                   principal: Principal = OPERATOR) -> dict:
    """Record `party_name`'s consent now, given by the party's own credential; the last required
    signature adopts the version, appended to the log in the same transaction."""
    with registry.db.reading() as session:
        party = require_party(session, party_name)
        if not may_consent_for(principal, party):
            raise ForbiddenError(f"you cannot sign for party {party.name!r}: only its own user or an owner of its "
                                 "organisation can", party=party.name)
        row = _open_amendment(session, amendment_id)
        before = row.signatures_json
        names = _party_names(session)
        try:
            proposed = _amendment(row, _history(session, row.work_id)).sign(party.id, datetime.now(timezone.utc))
        except revenue.RevenueError as e:
            raise _named_rule_error(e, names) from e
    evidence = json.loads(before) + [{"party_id": party.id, "signed_at": proposed.signatures[-1].signed_at.isoformat(),
                                      "by": principal.describe(), "credential": principal.credential,
                                      "amendment_sha256": row.amendment_sha256}]

    def write_rows(session: Session, log_index: int | None) -> dict:
        current = _open_amendment(session, amendment_id)
        if current.signatures_json != before:
            raise ConflictError(f"amendment {amendment_id} changed while you signed: sign again")
        history = _history(session, current.work_id)
        again = _amendment(current, history).sign(party.id, proposed.signatures[-1].signed_at)
        current.signatures_json = json.dumps(evidence)
        if not again.missing:
            try:
                history = history.adopt(again)
            except revenue.RevenueError as e:
                raise _named_rule_error(e, names) from e
            current.status = "adopted"
            assert history.latest is not None
            session.add(SheetVersionRow(work_id=current.work_id, number=history.latest.number,
                                        amendment_id=current.id, version_json=json.dumps(history.latest.to_dict()),
                                        log_index=log_index))
        session.add(current)
        session.flush()
        return _describe_amendment(current, again, names)

    if proposed.missing:
        with registry.db.writing() as session:
            return write_rows(session, None)
    version_number = (proposed.replaces or 0) + 1
    leaf = rfc8785.dumps({"type": SHEET_STATEMENT_TYPE, "work_id": row.work_id, "number": version_number,
                          "amendment_sha256": row.amendment_sha256, "signatures_sha256": canonical_sha256(evidence),
                          "effective_from": row.effective_from.isoformat(), "adopted_at": _logged_at()})
    described: dict = {}
    sequenced = registry.sequencer.submit(leaf, lambda session, index: described.update(write_rows(session, index)))
    return {**described, "log_index": sequenced.index, "receipt": sequenced.receipt}


def _named_rule_error(error: revenue.RevenueError, names: dict[str, str]) -> InvalidInputError:
    """A revenue rule broken, its message naming parties by name instead of internal id."""
    return rule_error(error.named(names))


def sheet_history(registry: Registry, work_id: str) -> dict:
    """Versions (with who signed, when, with which credential), open amendments and terms."""
    with registry.db.reading() as session:
        require_work(session, work_id)
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


def parties_signable_by(registry: Registry, principal: Principal, names: list[str]) -> list[str]:
    """Of the party `names`, those the caller may give consent for (its own user's, or as an owner
    of the party's organisation): where a page shows a sign button."""
    with registry.db.reading() as session:
        found = session.exec(select(Party).where(Party.name.in_(names))).all() if names else []  # type: ignore[attr-defined]
        return sorted(p.name for p in found if may_consent_for(principal, p))


# -- royalty terms -----------------------------------------------------------------------------
def _terms_dict(terms: WorkTerms | None) -> dict:
    if terms is None:
        return {"parents": {}, "model": "relative", "resale_royalty_bps": 0, "set": False}
    return {"parents": json.loads(terms.parents_json), "model": terms.model,
            "resale_royalty_bps": terms.resale_royalty_bps, "set": True, "log_index": terms.log_index}


def _terms_body(terms: WorkTerms) -> dict:
    return {"work_id": terms.work_id, "parents": json.loads(terms.parents_json), "model": terms.model,
            "resale_royalty_bps": terms.resale_royalty_bps}


def set_terms(registry: Registry, work_id: str, *, parents: Mapping[str, int], model: str = "relative",
              resale_royalty_bps: int = 0) -> dict:
    """Fix a work's royalty terms once: each parent's share in bps (parents must be the work's
    registered parents), the relative or absolute model, and its resale royalty."""
    if type(resale_royalty_bps) is not int or not 0 <= resale_royalty_bps <= revenue.BASIS_POINTS:
        raise InvalidInputError(f"resale_royalty_bps must be whole basis points 0 to 10000, got {resale_royalty_bps!r}")
    with registry.db.reading() as session:
        require_work(session, work_id)
        if session.get(WorkTerms, work_id) is not None:
            raise ConflictError(f"royalty terms of work {work_id} are already set and cannot change")
        registered = set(session.exec(
            select(WorkParent.parent_work_id).join(WorkVersion, WorkVersion.id == WorkParent.version_id)  # type: ignore[arg-type]
            .where(WorkVersion.work_id == work_id)).all())
        for parent in parents:
            if parent not in registered:
                raise NotFoundError(f"work {parent!r} is not a registered parent of work {work_id}: "
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
    leaf = rfc8785.dumps({"type": TERMS_STATEMENT_TYPE, "work_id": work_id, "terms_sha256": canonical_sha256(_terms_body(terms)),
                          "set_at": _logged_at()})

    described: dict = {}

    def write_rows(session: Session, log_index: int) -> None:
        if session.get(WorkTerms, work_id) is not None:
            raise ConflictError(f"royalty terms of work {work_id} are already set and cannot change")
        terms.log_index = log_index
        session.add(terms)
        session.flush()
        described.update(_terms_dict(terms))

    sequenced = registry.sequencer.submit(leaf, write_rows)
    return {**described, "receipt": sequenced.receipt}


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
