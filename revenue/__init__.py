"""Exact revenue splitting: versioned split sheets, royalties up the derivative graph, resales.

A pure library (standard library only, no floats, no storage): money in ISO 4217 minor units,
shares as exact fractions, one largest-remainder allocation per event, so payouts always sum to the
amount and each is within one unit of its exact share. See docs/adr/0003-revenue-allocation.md.

>>> from datetime import date, datetime, UTC
>>> from fractions import Fraction
>>> from revenue import (DerivativeGraph, Party, RevenueEvent, Role, SheetHistory, SplitSheet,
...                      WorkNode, parse_amount, payout)
>>> sheet = SplitSheet([Party(p, Role.CREATOR, Fraction(1, 3)) for p in "cab"])
>>> amendment = SheetHistory("w").propose(sheet, date(2025, 1, 1))
>>> for party in sorted(amendment.required):
...     amendment = amendment.sign(party, datetime(2025, 1, 1, tzinfo=UTC))
>>> sheets = {"w": SheetHistory("w").adopt(amendment)}
>>> event = RevenueEvent("w", parse_amount("0.10", "EUR"), date(2025, 2, 1))
>>> {line.payee: line.amount_minor for line in payout(event, graph=DerivativeGraph([WorkNode("w")]), sheets=sheets).lines}
{'a': 4, 'b': 3, 'c': 3}
"""

from revenue.allocate import allocate_largest_remainder, largest_remainder_units
from revenue.errors import (
    AmountError,
    CurrencyError,
    CycleError,
    DerivationError,
    DuplicatePartyError,
    InvalidShareError,
    RevenueError,
    RoyaltyStackError,
    UnknownPartyError,
    UnsignedAmendmentError,
    VersionError,
)
from revenue.graph import MAX_DEPTH, MAX_PARENTS, DerivativeGraph, Model, WorkNode
from revenue.money import CURRENCY_EXPONENTS, MAX_AMOUNT_MINOR, Money, currency_exponent, format_amount, parse_amount
from revenue.payout import (
    PayeeWeights,
    Payout,
    PayoutLine,
    Resale,
    ResaleRoyalty,
    RevenueEvent,
    Source,
    payee_weights,
    payout,
)
from revenue.shares import (
    BASIS_POINTS,
    DataProviderPool,
    Party,
    Role,
    SplitSheet,
    bps,
    describe_share,
    format_share,
    parse_share,
)
from revenue.statements import Statement, StatementEntry, party_statement
from revenue.versions import Amendment, SheetHistory, SheetVersion, Signature

__all__ = [
    "BASIS_POINTS", "CURRENCY_EXPONENTS", "MAX_AMOUNT_MINOR", "MAX_DEPTH", "MAX_PARENTS", "Amendment", "AmountError", "CurrencyError",
    "CycleError", "DataProviderPool", "DerivationError", "DerivativeGraph", "DuplicatePartyError",
    "InvalidShareError", "Model", "Money", "Party", "PayeeWeights", "Payout", "PayoutLine", "Resale",
    "ResaleRoyalty", "RevenueError", "RevenueEvent", "RoyaltyStackError", "Role", "SheetHistory", "SheetVersion", "Signature", "Source",
    "SplitSheet", "Statement", "StatementEntry", "UnknownPartyError", "UnsignedAmendmentError", "VersionError",
    "WorkNode", "allocate_largest_remainder", "bps", "currency_exponent", "describe_share", "format_amount",
    "format_share", "largest_remainder_units", "parse_amount", "parse_share", "party_statement", "payee_weights",
    "payout",
]
