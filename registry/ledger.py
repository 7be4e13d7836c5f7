"""The revenue ledger: events paid out exactly, recorded append-only and anchored in the log.

Each entry stores the `revenue.Payout` it made (which sheet versions, which shares, every line),
writes one line per payee, and appends a ledger statement (the SHA-256 of the canonical payout) to
the transparency log, all in one transaction (through the log's sequencer). A correction is a reversing entry with the negated
lines; an entry is reversed at most once. A preview runs the same computation and records nothing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import rfc8785
from sqlmodel import Session, select

import revenue
from revenue import Payout, Resale, RevenueEvent

from .errors import ConflictError, InvalidInputError, NotFoundError
from .models import LedgerEntry, LedgerLine
from .service import Registry, require_party
from .sheets import _date, _party_names, _require_work, load_graph, load_histories, rule_error

LEDGER_STATEMENT_TYPE = "https://aigc-registry.dev/ledger/v1"


def _money(amount: object, currency: object) -> revenue.Money:
    try:
        return revenue.parse_amount(str(amount), str(currency).upper())
    except revenue.RevenueError as e:
        raise rule_error(e) from e


def _compute(session: Session, event: RevenueEvent | Resale) -> Payout:
    try:
        graph = load_graph(session, event.work_id)
        return revenue.payout(event, graph=graph, sheets=load_histories(session, [n.work_id for n in graph]))
    except revenue.RevenueError as e:
        raise rule_error(e) from e


def _with_names(payout: dict, names: dict[str, str]) -> dict:
    for line in payout["lines"]:
        line["party"] = names.get(line["payee"], line["payee"])
    if "seller" in payout["event"]:
        payout["event"]["seller_name"] = names.get(payout["event"]["seller"], payout["event"]["seller"])
    return payout


def _record(registry: Registry, payout: Payout, *, kind: str, lines: list[tuple[str, int]],
            reverses: LedgerEntry | None = None) -> dict:
    """Through the log's sequencer: the entry, its lines and its log leaf commit together."""
    body = payout.to_dict()
    entry_sha256 = hashlib.sha256(rfc8785.dumps(body)).hexdigest()
    recorded_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    leaf = rfc8785.dumps({
        "type": LEDGER_STATEMENT_TYPE, "kind": kind, "work_id": payout.event.work_id, "entry_sha256": entry_sha256,
        "reverses_log_index": reverses.log_index if reverses else None, "recorded_at": recorded_at,
    })
    written: dict[str, int] = {}

    def write_rows(session: Session, log_index: int) -> None:
        if reverses is not None and session.exec(
                select(LedgerEntry).where(LedgerEntry.reverses_id == reverses.id)).first() is not None:
            raise ConflictError(f"ledger entry {reverses.id} is already reversed")
        entry = LedgerEntry(kind=kind, work_id=payout.event.work_id, currency=payout.event.amount.currency,
                            amount_minor=payout.event.amount.amount_minor, occurred_on=payout.event.earned_on,
                            payout_json=json.dumps(body), reverses_id=reverses.id if reverses else None,
                            entry_sha256=entry_sha256, log_index=log_index)
        session.add(entry)
        session.flush()
        assert entry.id is not None
        for party_id, amount in lines:
            session.add(LedgerLine(entry_id=entry.id, party_id=party_id, amount_minor=amount,
                                   currency=payout.event.amount.currency))
        session.flush()
        written["entry_id"] = entry.id

    sequenced = registry.sequencer.submit(leaf, write_rows)
    with registry.db.reading() as session:
        names = _party_names(session)
    return {"entry_id": written["entry_id"], "kind": kind, "log_index": sequenced.index,
            "entry_sha256": entry_sha256, "receipt": sequenced.receipt, "payout": _with_names(body, names)}


def record_revenue(registry: Registry, work_id: str, amount: object, currency: object, earned_on: object,
                   *, reference: str = "", preview: bool = False) -> dict:
    """Pay out revenue earned by a work on a date; `preview` computes without recording."""
    money = _money(amount, currency)
    on = _date(earned_on, "earned_on")
    if on > datetime.now(timezone.utc).date():
        raise InvalidInputError(f"earned_on {on} is in the future: record revenue once it is earned")
    event = RevenueEvent(work_id, money, on, reference)
    return _pay(registry, event, preview=preview)


def record_resale(registry: Registry, work_id: str, price: object, currency: object, seller: str, sold_on: object,
                  *, reference: str = "", preview: bool = False) -> dict:
    """A resale: the work's resale royalty goes through its split and up its parents, the rest to
    the seller. The EIP-2981 figure (floored) is reported beside the exact one."""
    money = _money(price, currency)
    on = _date(sold_on, "sold_on")
    with registry.db.reading() as session:
        seller_id = require_party(session, seller).id
    return _pay(registry, Resale(work_id, money, seller_id, on, reference), preview=preview)


def _pay(registry: Registry, event: RevenueEvent | Resale, *, preview: bool) -> dict:
    if event.amount.amount_minor == 0:
        raise InvalidInputError("amount must be greater than zero")
    with registry.db.reading() as session:
        _require_work(session, event.work_id)
        payout = _compute(session, event)
        if preview:
            return {"preview": True, "payout": _with_names(payout.to_dict(), _party_names(session))}
    lines = [(line.payee, line.amount_minor) for line in payout.lines]
    return _record(registry, payout, kind=event.kind, lines=lines)


def reverse_entry(registry: Registry, entry_id: int) -> dict:
    """A reversing entry cancelling `entry_id` (negated lines); the original stays in the ledger."""
    with registry.db.reading() as session:
        original = session.get(LedgerEntry, entry_id)
        if original is None:
            raise NotFoundError(f"unknown ledger entry {entry_id}")
        if original.kind == "reversal":
            raise ConflictError(f"entry {entry_id} is itself a reversal: record the event again instead")
        payout = Payout.from_dict(json.loads(original.payout_json))
        lines = session.exec(select(LedgerLine).where(LedgerLine.entry_id == entry_id)).all()
        negated = [(line.party_id, -line.amount_minor) for line in lines]
    return _record(registry, payout, kind="reversal", reverses=original, lines=negated)


def list_entries(registry: Registry, *, work_id: str | None = None, limit: int = 100) -> list[dict]:
    with registry.db.reading() as session:
        statement = select(LedgerEntry).order_by(LedgerEntry.id.desc()).limit(limit)  # type: ignore[union-attr]
        if work_id:
            statement = statement.where(LedgerEntry.work_id == work_id)
        return [{"entry_id": e.id, "kind": e.kind, "work_id": e.work_id, "currency": e.currency,
                 "amount": revenue.format_amount(e.amount_minor, e.currency), "occurred_on": e.occurred_on.isoformat(),
                 "reverses": e.reverses_id, "log_index": e.log_index} for e in session.exec(statement).all()]


def party_statement(registry: Registry, party_name: str, period_start: object, period_end: object) -> revenue.Statement:
    """A party's statement for a period (inclusive), over the ledger's entries that stand (not reversed)."""
    start, end = _date(period_start, "from"), _date(period_end, "to")
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
        raise rule_error(e) from e
