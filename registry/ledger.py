"""The revenue ledger: events paid out exactly, recorded append-only and anchored in the log.

Each entry stores the `revenue.Payout` it made (which sheet versions, which shares, every line),
writes one line per payee (a zero amount too: every payee gets a zero line), and appends a ledger
statement (the SHA-256 of the canonical payout) to the transparency log, all in one transaction
(through the log's sequencer). A correction is a reversing entry with the negated lines and a
reason; an entry is reversed at most once. A preview runs the same computation and records nothing.

Leftover minor units go by the parties' names (ADR 3), so two registries fed the same data pay the
same; errors name parties by the names callers use, and works by their work ids.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timezone

import rfc8785
from sqlmodel import Session, col, select

import revenue
from revenue import Payout, Resale, RevenueEvent, SheetHistory

from .errors import ConflictError, InvalidInputError, NotFoundError
from .models import LedgerEntry, LedgerLine, Party, Work
from .service import Registry, require_party
from .sheets import parse_date, require_work, load_graph, load_histories, rule_error

LEDGER_STATEMENT_TYPE = "https://aigc-registry.dev/ledger/v1"
MAX_REASON_LENGTH = 500
"""The longest reason a reversal may give, in characters."""


def _money(amount: object, currency: object) -> revenue.Money:
    try:
        return revenue.parse_amount(str(amount), str(currency).upper())
    except revenue.RevenueError as e:
        raise rule_error(e) from e


def _not_in_future(on: date, what: str, verb: str) -> date:
    if on > datetime.now(timezone.utc).date():
        raise InvalidInputError(f"{what} {on} is in the future: record the {verb} once it has happened")
    return on


def _names(session: Session, party_ids: Iterable[str]) -> dict[str, str]:
    """Party id -> name, for the parties given (the ones an event can reach or an error can name)."""
    wanted = sorted(set(party_ids))
    if not wanted:
        return {}
    return {p.id: p.name for p in session.exec(select(Party).where(col(Party.id).in_(wanted))).all()}


def _parties_of(histories: Iterable[SheetHistory]) -> set[str]:
    return {party for history in histories for version in history.versions
            for party in (*version.sheet.party_ids, *(s.party_id for s in version.signatures))}


def _rule_error(session: Session, error: revenue.RevenueError, names: dict[str, str] | None = None) -> InvalidInputError:
    """`rule_error` naming the error's parties by their names (looked up unless given)."""
    known = dict(names or {})
    known.update(_names(session, error.party_ids - known.keys()))
    return rule_error(error.named(known))


def _event_parties(event: RevenueEvent | Resale) -> set[str]:
    return {p for p in (event.seller, event.marketplace) if p} if isinstance(event, Resale) else set()


def _compute(session: Session, event: RevenueEvent | Resale) -> tuple[Payout, dict[str, str]]:
    """The payout and the names of every party it can reach; ties and errors go by those names."""
    names: dict[str, str] = {}
    try:
        graph = load_graph(session, event.work_id)
        histories = load_histories(session, [n.work_id for n in graph])
        names = _names(session, _parties_of(histories.values()) | _event_parties(event))
        return revenue.payout(event, graph=graph, sheets=histories, names=names), names
    except revenue.RevenueError as e:
        raise _rule_error(session, e, names) from e


def _with_names(payout: dict, names: dict[str, str]) -> dict:
    for line in payout["lines"]:
        line["party"] = names.get(line["payee"], line["payee"])
    event = payout["event"]
    for role in ("seller", "marketplace"):
        if role in event:
            event[f"{role}_name"] = names.get(event[role], event[role])
    return payout


def _record(registry: Registry, payout: Payout, names: dict[str, str], *, kind: str, lines: list[tuple[str, int]],
            reverses: LedgerEntry | None = None, reason: str | None = None) -> dict:
    """Through the log's sequencer: the entry, its lines and its log leaf commit together."""
    body = payout.to_dict()
    entry_sha256 = hashlib.sha256(rfc8785.dumps(body)).hexdigest()
    recorded_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    leaf = rfc8785.dumps({
        "type": LEDGER_STATEMENT_TYPE, "kind": kind, "work_id": payout.event.work_id, "entry_sha256": entry_sha256,
        "reverses_log_index": reverses.log_index if reverses else None, "recorded_at": recorded_at,
        # the reason's digest only: the log keeps no free text (it may name people) and proves the stored reason
        "reason_sha256": hashlib.sha256(reason.encode()).hexdigest() if reason else None,
        # the same event recorded twice in one second is two entries (a double report is reversed later):
        # their leaves differ here, or the log would refuse the second as a leaf it already holds
        "nonce": secrets.token_hex(8),
    })
    written: dict[str, int] = {}

    def write_rows(session: Session, log_index: int) -> None:
        if reverses is not None and session.exec(
                select(LedgerEntry).where(LedgerEntry.reverses_id == reverses.id)).first() is not None:
            raise ConflictError(f"ledger entry {reverses.id} is already reversed")
        entry = LedgerEntry(kind=kind, work_id=payout.event.work_id, currency=payout.event.amount.currency,
                            amount_minor=payout.event.amount.amount_minor, occurred_on=payout.event.earned_on,
                            payout_json=json.dumps(body), reverses_id=reverses.id if reverses else None,
                            reason=reason, entry_sha256=entry_sha256, log_index=log_index)
        session.add(entry)
        session.flush()
        assert entry.id is not None
        for party_id, amount in lines:
            session.add(LedgerLine(entry_id=entry.id, party_id=party_id, amount_minor=amount,
                                   currency=payout.event.amount.currency))
        session.flush()
        written["entry_id"] = entry.id

    sequenced = registry.sequencer.submit(leaf, write_rows)
    return {"entry_id": written["entry_id"], "kind": kind, "log_index": sequenced.index, "reason": reason,
            "entry_sha256": entry_sha256, "receipt": sequenced.receipt, "payout": _with_names(body, names)}


def record_revenue(registry: Registry, work_id: str, amount: object, currency: object, earned_on: object,
                   *, reference: str = "", preview: bool = False) -> dict:
    """Pay out revenue earned by a work on a date (zero pays every payee zero); `preview` computes
    without recording. Amounts go up to revenue.MAX_AMOUNT_MINOR minor units."""
    money = _money(amount, currency)
    on = _not_in_future(parse_date(earned_on, "earned_on"), "earned_on", "revenue")
    try:
        event = RevenueEvent(work_id, money, on, reference)
    except revenue.RevenueError as e:
        raise rule_error(e) from e
    return _pay(registry, event, preview=preview)


def record_resale(registry: Registry, work_id: str, price: object, currency: object, seller: str, sold_on: object,
                  *, marketplace: str | None = None, marketplace_fee_bps: int = 0, reference: str = "",
                  preview: bool = False) -> dict:
    """A resale: the work's resale royalty goes through its split and up its parents, the
    marketplace (a party name or id) takes its fee in basis points of the price, the rest goes to
    the seller. The EIP-2981 figure (floored) is reported beside the exact one."""
    money = _money(price, currency)
    on = _not_in_future(parse_date(sold_on, "sold_on"), "sold_on", "resale")
    if isinstance(marketplace_fee_bps, bool) or not isinstance(marketplace_fee_bps, int):
        raise InvalidInputError(f"marketplace_fee_bps must be whole basis points, got {marketplace_fee_bps!r}")
    with registry.db.reading() as session:
        seller_party = require_party(session, seller)
        market_party = require_party(session, marketplace) if marketplace is not None else None
    try:
        event = Resale(work_id, money, seller_party.id, on, reference,
                       market_party.id if market_party else None, marketplace_fee_bps)
    except revenue.RevenueError as e:
        raise rule_error(e.named({p.id: p.name for p in (seller_party, market_party) if p is not None})) from e
    return _pay(registry, event, preview=preview)


def _pay(registry: Registry, event: RevenueEvent | Resale, *, preview: bool) -> dict:
    with registry.db.reading() as session:
        require_work(session, event.work_id)
        payout, names = _compute(session, event)
    if preview:
        return {"preview": True, "payout": _with_names(payout.to_dict(), names)}
    lines = [(line.payee, line.amount_minor) for line in payout.lines]
    return _record(registry, payout, names, kind=event.kind, lines=lines)


def _reason(reason: object) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInputError("a reversal needs a reason: say why the entry is being corrected")
    reason = reason.strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInputError(f"the reason is {len(reason):,} characters long, expected at most {MAX_REASON_LENGTH}")
    return reason


def reverse_entry(registry: Registry, entry_id: int, *, reason: str) -> dict:
    """A reversing entry cancelling `entry_id` (negated lines), giving `reason` (1 to 500 characters,
    kept in the entry and in its log leaf); the original stays in the ledger."""
    reason = _reason(reason)
    with registry.db.reading() as session:
        original = session.get(LedgerEntry, entry_id)
        if original is None:
            raise NotFoundError(f"unknown ledger entry {entry_id}")
        if original.kind == "reversal":
            raise ConflictError(f"entry {entry_id} is itself a reversal: record the event again instead")
        payout = Payout.from_dict(json.loads(original.payout_json))
        lines = session.exec(select(LedgerLine).where(LedgerLine.entry_id == entry_id)).all()
        negated = [(line.party_id, -line.amount_minor) for line in lines]
        names = _names(session, {party for party, _ in negated} | _event_parties(payout.event))
    return _record(registry, payout, names, kind="reversal", reverses=original, lines=negated, reason=reason)


def list_entries(registry: Registry, *, work_id: str | None = None, limit: int = 100,
                 org_id: str | None = None) -> list[dict]:
    """Ledger entries, newest first: of one work, and of the works of organisation `org_id` (None: all)."""
    with registry.db.reading() as session:
        statement = select(LedgerEntry).order_by(LedgerEntry.id.desc()).limit(limit)  # type: ignore[union-attr]
        if work_id:
            statement = statement.where(LedgerEntry.work_id == work_id)
        if org_id is not None:
            statement = statement.join(Work, Work.id == LedgerEntry.work_id).where(Work.org_id == org_id)  # type: ignore[arg-type]
        return [{"entry_id": e.id, "kind": e.kind, "work_id": e.work_id, "currency": e.currency,
                 "amount": revenue.format_amount(e.amount_minor, e.currency), "occurred_on": e.occurred_on.isoformat(),
                 "reverses": e.reverses_id, "reason": e.reason, "log_index": e.log_index}
                for e in session.exec(statement).all()]


def party_statement(registry: Registry, party_name: str, period_start: object, period_end: object) -> revenue.Statement:
    """A party's statement for a period (inclusive), over the ledger's entries that stand (not reversed)."""
    start, end = parse_date(period_start, "from"), parse_date(period_end, "to")
    with registry.db.reading() as session:
        party = require_party(session, party_name)
        reversed_ids = {r for r in session.exec(select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id != None)).all()}  # noqa: E711
        entries = session.exec(
            select(LedgerEntry).join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)  # type: ignore[arg-type]
            .where(LedgerLine.party_id == party.id, LedgerEntry.kind != "reversal",
                   LedgerEntry.occurred_on >= start, LedgerEntry.occurred_on <= end)
        ).all()
        payouts = [Payout.from_dict(json.loads(e.payout_json)) for e in entries if e.id not in reversed_ids]
        try:
            return revenue.party_statement(party.id, payouts, period_start=start, period_end=end)
        except revenue.RevenueError as e:
            raise _rule_error(session, e) from e
