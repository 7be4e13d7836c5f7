"""Payouts: one revenue event or resale -> one exact weight per payee -> one allocation.

:func:`payout` takes the work's flows up the derivative graph (:meth:`DerivativeGraph.flows`),
splits each work's kept part by that work's sheet version in force on the date the revenue was
earned, adds up one exact :class:`~fractions.Fraction` per payee, and allocates the amount once
with :func:`~revenue.allocate.largest_remainder_units` (the integer form of
:func:`~revenue.allocate.allocate_largest_remainder`). Nothing is floored along the way, so no
unit is ever lost. A resale pays the work's resale royalty the same way, a marketplace fee (basis
points of the price) to the marketplace when there is one, and the rest to the seller, all in that
one allocation; it reports the EIP-2981 figure ``floor(price * bps / 10000)`` beside the exact
royalty. Leftover units go to the largest remainders, ties by the payees' ``names`` when given.

The library records nothing: a payout is a value, so a preview is simply a call to :func:`payout`
whose result is not stored.

>>> from datetime import date, datetime, UTC
>>> from revenue.graph import DerivativeGraph, WorkNode
>>> from revenue.money import Money
>>> from revenue.shares import Party, Role, SplitSheet, bps
>>> from revenue.versions import SheetHistory
>>> def signed(work_id, parties):
...     amendment = SheetHistory(work_id).propose(SplitSheet(parties), date(2025, 1, 1))
...     for party in amendment.required:
...         amendment = amendment.sign(party, datetime(2025, 1, 1, tzinfo=UTC))
...     return SheetHistory(work_id).adopt(amendment)
>>> graph = DerivativeGraph([WorkNode("song"), WorkNode("remix", {"song": bps(2500)})])
>>> sheets = {"song": signed("song", [Party("ann", Role.CREATOR, bps(10_000))]),
...           "remix": signed("remix", [Party("bo", Role.CREATOR, bps(5000)), Party("cy", Role.EDITOR, bps(5000))])}
>>> result = payout(RevenueEvent("remix", Money(101, "USD"), date(2025, 6, 1)), graph=graph, sheets=sheets)
>>> [(line.payee, line.amount_minor, str(line.share)) for line in result.lines]
[('ann', 25, '1/4'), ('bo', 38, '3/8'), ('cy', 38, '3/8')]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from revenue.allocate import largest_remainder_units
from revenue.errors import (
    AmountError,
    DerivationError,
    DuplicatePartyError,
    InvalidShareError,
    RevenueError,
    UnknownPartyError,
    VersionError,
    parties,
)
from revenue.graph import DerivativeGraph
from revenue.money import Money, format_amount
from revenue.shares import BASIS_POINTS
from revenue.versions import SheetHistory


@dataclass(frozen=True, slots=True)
class RevenueEvent:
    """``amount`` earned by ``work_id`` on ``earned_on``; ``event_id`` is the caller's reference."""

    work_id: str
    amount: Money
    earned_on: date
    event_id: str = ""

    kind = "revenue"

    def __post_init__(self) -> None:
        _check_event(self.work_id, self.amount, self.earned_on, self.event_id)


@dataclass(frozen=True, slots=True)
class Resale:
    """``work_id`` resold by ``seller`` at ``price`` on ``sold_on`` (the royalty is earned that day),
    through ``marketplace``, which takes ``marketplace_fee_bps`` of the price (none, 0 by default)."""

    work_id: str
    price: Money
    seller: str
    sold_on: date
    event_id: str = ""
    marketplace: str | None = None
    marketplace_fee_bps: int = 0

    kind = "resale"

    def __post_init__(self) -> None:
        _check_event(self.work_id, self.price, self.sold_on, self.event_id)
        if not isinstance(self.seller, str) or not self.seller:
            raise UnknownPartyError(f"a resale must name its seller, got {self.seller!r}")
        if self.marketplace is not None and (not isinstance(self.marketplace, str) or not self.marketplace):
            raise UnknownPartyError(f"a resale's marketplace must be a party id or None, got {self.marketplace!r}")
        fee = self.marketplace_fee_bps
        if type(fee) is not int or not 0 <= fee <= BASIS_POINTS:
            raise InvalidShareError(f"marketplace fee of a resale of work {self.work_id!r} is {fee!r}, "
                                    "expected an int from 0 to 10,000 bps")
        if fee and self.marketplace is None:
            raise UnknownPartyError(f"a marketplace fee of {fee:,} bps needs the marketplace it is paid to "
                                    f"(resale of work {self.work_id!r})")

    @property
    def amount(self) -> Money:
        return self.price

    @property
    def earned_on(self) -> date:
        return self.sold_on


Event = RevenueEvent | Resale


def _check_event(work_id: object, amount: object, on: object, event_id: object) -> None:
    if not isinstance(work_id, str) or not work_id:
        raise DerivationError(f"an event must name its work, got {work_id!r}")
    if not isinstance(amount, Money):
        raise AmountError(f"an event's amount must be Money (see parse_amount), got {type(amount).__name__}")
    if not isinstance(on, date) or isinstance(on, datetime):
        raise VersionError(f"an event needs the date the revenue was earned, got {on!r}")
    if not isinstance(event_id, str):
        raise RevenueError(f"event_id must be a string, got {event_id!r}")


@dataclass(frozen=True, slots=True)
class Source:
    """Part of a payee's share that came through ``work_id``'s sheet version ``sheet_version``
    (``part`` "split"), or from a resale of ``work_id`` (no version): the seller's proceeds ("sale")
    or the marketplace fee ("fee"). Without a ``part``, a version means "split", None "sale"."""

    work_id: str
    sheet_version: int | None
    share: Fraction
    part: str = ""

    def __post_init__(self) -> None:
        if not self.part:
            object.__setattr__(self, "part", "split" if self.sheet_version is not None else "sale")
        if self.part not in ("split", "sale", "fee") or (self.part == "split") != (self.sheet_version is not None):
            raise RevenueError(f"a source is a sheet version's split, a sale or a fee, got part {self.part!r} "
                               f"with sheet version {self.sheet_version!r}")


@dataclass(frozen=True, slots=True)
class PayoutLine:
    """What one payee gets from one event: whole units, the exact share and exact amount, and where it came from."""

    payee: str
    amount_minor: int
    share: Fraction
    exact_minor: Fraction
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class ResaleRoyalty:
    """The royalty part of a resale: its rate, its exact value and the EIP-2981 (floored) figure."""

    royalty_bps: int
    exact_minor: Fraction
    eip2981_minor: int


@dataclass(frozen=True, slots=True)
class Payout:
    """The allocation of one event: lines sorted by payee, summing exactly to the event's amount."""

    event: Event
    lines: tuple[PayoutLine, ...]
    sheet_versions: Mapping[str, int]
    resale: ResaleRoyalty | None = None

    def __post_init__(self) -> None:
        paid = sum(line.amount_minor for line in self.lines)
        if paid != self.event.amount.amount_minor:
            raise AmountError(f"payout lines sum to {paid} minor units, expected exactly the event's "
                              f"{self.event.amount.amount_minor}")
        payees = [line.payee for line in self.lines]
        if payees != sorted(set(payees)):
            raise DuplicatePartyError("payout lines must name each payee once, sorted by payee id")

    def line(self, payee: str) -> PayoutLine:
        for line in self.lines:
            if line.payee == payee:
                return line
        raise UnknownPartyError.about("party {party} receives nothing from this event", party=parties(payee))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: amounts as minor units and decimal strings, shares as exact fraction strings."""
        event, currency = self.event, self.event.amount.currency
        described: dict[str, Any] = {
            "kind": event.kind, "event_id": event.event_id, "work_id": event.work_id,
            "earned_on": event.earned_on.isoformat(), "currency": currency,
            "amount_minor": event.amount.amount_minor, "amount": event.amount.to_decimal_string(),
        }
        if isinstance(event, Resale):
            described["seller"] = event.seller
            if event.marketplace is not None:  # absent otherwise, as in payouts stored before marketplace fees
                described["marketplace"] = event.marketplace
                described["marketplace_fee_bps"] = event.marketplace_fee_bps
        return {
            "event": described,
            "lines": [
                {
                    "payee": line.payee, "amount_minor": line.amount_minor,
                    "amount": format_amount(line.amount_minor, currency),
                    "share": str(line.share), "exact_minor": str(line.exact_minor),
                    "sources": [_source_dict(s) for s in line.sources],
                }
                for line in self.lines
            ],
            "sheet_versions": dict(self.sheet_versions),
            "resale": None if self.resale is None else {
                "royalty_bps": self.resale.royalty_bps, "exact_minor": str(self.resale.exact_minor),
                "eip2981_minor": self.resale.eip2981_minor,
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Payout:
        """Read back :meth:`to_dict` (e.g. from a ledger), re-checking the event's money."""
        described = data["event"]
        money = Money(int(described["amount_minor"]), described["currency"])
        on = date.fromisoformat(described["earned_on"])
        event: Event
        if described["kind"] == "resale":
            event = Resale(described["work_id"], money, described["seller"], on, described.get("event_id", ""),
                           described.get("marketplace"), int(described.get("marketplace_fee_bps", 0)))
        else:
            event = RevenueEvent(described["work_id"], money, on, described.get("event_id", ""))
        lines = tuple(
            PayoutLine(
                line["payee"], int(line["amount_minor"]), Fraction(line["share"]), Fraction(line["exact_minor"]),
                tuple(Source(s["work_id"], s["sheet_version"], Fraction(s["share"]), s.get("part", ""))
                      for s in line["sources"]),
            )
            for line in data["lines"]
        )
        resale = data.get("resale")
        royalty = None if resale is None else ResaleRoyalty(
            int(resale["royalty_bps"]), Fraction(resale["exact_minor"]), int(resale["eip2981_minor"])
        )
        return cls(event, lines, dict(data["sheet_versions"]), royalty)


def _source_dict(source: Source) -> dict[str, Any]:
    described = {"work_id": source.work_id, "sheet_version": source.sheet_version, "share": str(source.share)}
    if source.part == "fee":  # "split" and "sale" read back from the version, as before marketplace fees
        described["part"] = source.part
    return described


@dataclass(frozen=True, slots=True)
class PayeeWeights:
    """An event's exact weight per payee, the sources of each weight, and the sheet versions used."""

    weights: dict[str, Fraction]
    sources: dict[str, tuple[Source, ...]]
    sheet_versions: dict[str, int]


@dataclass(frozen=True, slots=True)
class _Flattened:
    """Payee weights as integer numerators over one common denominator: exact, and cheap to add up."""

    denominator: int
    numerators: dict[str, int]
    sources: dict[str, list[tuple[str, int | None, int, str]]]  # payee -> (work, sheet version, numerator, part)
    sheet_versions: dict[str, int]


def _flatten(work_id: str, on: date, graph: DerivativeGraph, sheets: Mapping[str, SheetHistory]) -> _Flattened:
    parts = graph.flows(work_id)
    in_force = {}
    for work in parts:
        history = sheets.get(work)
        if history is None:
            raise VersionError(f"work {work!r} has no split sheet")
        if history.work_id != work:
            raise VersionError(f"the sheet history given for work {work!r} belongs to work {history.work_id!r}")
        in_force[work] = history.sheet_in_force(on)
    integer = {work: version.sheet.integer_weights() for work, version in in_force.items()}
    denominator = math.lcm(*(parts[work].denominator * integer[work][0] for work in parts))
    numerators: dict[str, int] = {}
    sources: dict[str, list[tuple[str, int | None, int, str]]] = {}
    for work, part in parts.items():
        sheet_denominator, sheet_numerators = integer[work]
        factor = part.numerator * (denominator // (part.denominator * sheet_denominator))
        number = in_force[work].number
        for payee, numerator in sheet_numerators.items():
            weight = factor * numerator
            numerators[payee] = numerators.get(payee, 0) + weight
            sources.setdefault(payee, []).append((work, number, weight, "split"))
    return _Flattened(denominator, numerators, sources, {work: v.number for work, v in sorted(in_force.items())})


def payee_weights(work_id: str, on: date, *, graph: DerivativeGraph,
                  sheets: Mapping[str, SheetHistory]) -> PayeeWeights:
    """Flatten one unit arriving at ``work_id`` into one exact weight per payee (summing to exactly 1),
    using for every work the sheet version in force ``on`` that date."""
    flat = _flatten(work_id, on, graph, sheets)
    d = flat.denominator
    return PayeeWeights(
        {payee: Fraction(n, d) for payee, n in sorted(flat.numerators.items())},
        {payee: tuple(Source(w, v, Fraction(n, d), part) for w, v, n, part in found)
         for payee, found in sorted(flat.sources.items())},
        flat.sheet_versions,
    )


def payout(event: Event, *, graph: DerivativeGraph, sheets: Mapping[str, SheetHistory],
           names: Mapping[str, str] | None = None) -> Payout:
    """Allocate one revenue event or resale exactly among every payee it reaches (a zero amount pays
    every payee a zero line). Leftover units break ties by ``names`` (payee id -> name, one for
    every payee) when given, else by payee id: see :func:`~revenue.allocate.allocate_largest_remainder`."""
    if not isinstance(event, RevenueEvent | Resale):
        raise RevenueError(f"expected a RevenueEvent or a Resale, got {type(event).__name__}")
    node = graph.node(event.work_id)
    amount = event.amount.amount_minor
    resale = None
    if isinstance(event, Resale):
        # royalty r bps through the work's flows, fee f bps to the marketplace, the rest to the seller:
        # everything over denominator * 10,000
        royalty, fee = node.resale_royalty_bps, event.marketplace_fee_bps
        if royalty + fee > BASIS_POINTS:
            raise InvalidShareError(
                f"resale of work {event.work_id!r}: royalty {royalty:,} bps and marketplace fee {fee:,} bps sum to "
                f"{royalty + fee:,} bps, expected at most 10,000 bps (100%) of the price"
            )
        flat = _flatten(event.work_id, event.sold_on, graph, sheets) if royalty else _Flattened(1, {}, {}, {})
        denominator = flat.denominator * BASIS_POINTS
        numerators = {payee: n * royalty for payee, n in flat.numerators.items()}
        sources = {payee: [(w, v, n * royalty, part) for w, v, n, part in found] for payee, found in flat.sources.items()}
        for payee, points, part in ((event.marketplace, fee, "fee"), (event.seller, BASIS_POINTS - royalty - fee, "sale")):
            if payee is not None and points:
                numerators[payee] = numerators.get(payee, 0) + points * flat.denominator
                sources.setdefault(payee, []).append((event.work_id, None, points * flat.denominator, part))
        resale = ResaleRoyalty(
            royalty,
            Fraction(amount * royalty, BASIS_POINTS),
            amount * royalty // BASIS_POINTS,  # EIP-2981 royaltyInfo: salePrice * feeNumerator / 10000, floored
        )
        versions = flat.sheet_versions
    else:
        flat = _flatten(event.work_id, event.earned_on, graph, sheets)
        denominator, numerators, sources, versions = flat.denominator, flat.numerators, flat.sources, flat.sheet_versions
    units = largest_remainder_units(amount, numerators, denominator, names=names)
    lines = []
    for payee in sorted(numerators):
        share = Fraction(numerators[payee], denominator)
        found = sources[payee]
        lines.append(PayoutLine(
            payee, units[payee], share, share * amount,
            (Source(found[0][0], found[0][1], share, found[0][3]),) if len(found) == 1  # usually one source
            else tuple(Source(w, v, Fraction(n, denominator), part) for w, v, n, part in found),
        ))
    return Payout(event, tuple(lines), versions, resale)
