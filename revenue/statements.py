"""A party's statement for a period, from past payouts: JSON-able dicts and CSV text.

The period is inclusive at both ends and is matched against the date each event's revenue was
earned (a resale's sale date). Totals are per currency: amounts in different currencies are never
added together. An event that paid the party nothing (a zero amount) still shows as an entry.

>>> from datetime import date
>>> from fractions import Fraction
>>> from revenue.money import Money
>>> from revenue.payout import Payout, PayoutLine, RevenueEvent, Source
>>> event = RevenueEvent("song", Money(1000, "USD"), date(2025, 3, 14), event_id="ev-1")
>>> paid = Payout(event, (PayoutLine("ann", 1000, Fraction(1), Fraction(1000), (Source("song", 1, Fraction(1)),)),), {"song": 1})
>>> report = party_statement("ann", [paid], period_start=date(2025, 3, 1), period_end=date(2025, 3, 31))
>>> report.to_dict()["totals"]
{'USD': {'amount_minor': 1000, 'amount': '10.00'}}
>>> print(report.to_csv(), end="")
earned_on,event_id,kind,work_id,currency,event_amount,amount,amount_minor,share,via
2025-03-14,ev-1,revenue,song,USD,10.00,10.00,1000,1,song@v1:1
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from revenue.errors import RevenueError
from revenue.money import format_amount
from revenue.payout import Payout, Source

CSV_COLUMNS = ("earned_on", "event_id", "kind", "work_id", "currency", "event_amount", "amount", "amount_minor",
               "share", "via")


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One event's payout to the party."""

    earned_on: date
    event_id: str
    kind: str
    work_id: str
    currency: str
    event_amount_minor: int
    amount_minor: int
    share: Fraction
    sources: tuple[Source, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "earned_on": self.earned_on.isoformat(), "event_id": self.event_id, "kind": self.kind,
            "work_id": self.work_id, "currency": self.currency,
            "event_amount": format_amount(self.event_amount_minor, self.currency),
            "amount": format_amount(self.amount_minor, self.currency), "amount_minor": self.amount_minor,
            "share": str(self.share), "via": _via(self.sources),
        }


@dataclass(frozen=True, slots=True)
class Statement:
    """Everything ``party_id`` earned from events dated within the period, oldest first."""

    party_id: str
    period_start: date
    period_end: date
    entries: tuple[StatementEntry, ...]

    def totals(self) -> dict[str, int]:
        """Currency -> minor units earned in the period."""
        totals: dict[str, int] = {}
        for entry in self.entries:
            totals[entry.currency] = totals.get(entry.currency, 0) + entry.amount_minor
        return dict(sorted(totals.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "party_id": self.party_id,
            "period": {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()},
            "totals": {currency: {"amount_minor": units, "amount": format_amount(units, currency)}
                       for currency, units in self.totals().items()},
            "entries": [entry.to_dict() for entry in self.entries],
        }

    def to_csv(self) -> str:
        """One row per entry under a header row (:data:`CSV_COLUMNS`); LF line endings."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for entry in self.entries:
            writer.writerow(entry.to_dict())
        return out.getvalue()


def party_statement(party_id: str, payouts: Iterable[Payout], *, period_start: date, period_end: date) -> Statement:
    """The statement of ``party_id`` for events earned from ``period_start`` to ``period_end``, inclusive."""
    if period_end < period_start:
        raise RevenueError(f"statement period ends on {period_end}, before it starts ({period_start})")
    entries = []
    for result in payouts:
        event = result.event
        if not period_start <= event.earned_on <= period_end:
            continue
        for line in result.lines:
            if line.payee == party_id:
                entries.append(StatementEntry(
                    event.earned_on, event.event_id, event.kind, event.work_id, event.amount.currency,
                    event.amount.amount_minor, line.amount_minor, line.share, line.sources,
                ))
    entries.sort(key=lambda e: (e.earned_on, e.event_id, e.work_id))
    return Statement(party_id, period_start, period_end, tuple(entries))


def _via(sources: Iterable[Source]) -> str:
    """``work@vN:share`` per source, ``;``-separated; a resale's seller proceeds read ``work@sale:share``
    and its marketplace fee ``work@fee:share``."""
    return ";".join(f"{s.work_id}@{f'v{s.sheet_version}' if s.part == 'split' else s.part}:{s.share}" for s in sources)
