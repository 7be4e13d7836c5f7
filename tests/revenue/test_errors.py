"""Errors that name parties keep the ids apart, so a caller can show the names its users know."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from revenue.errors import (
    DerivationError,
    DuplicatePartyError,
    InvalidShareError,
    RevenueError,
    UnknownPartyError,
    UnsignedAmendmentError,
    VersionError,
)
from revenue.graph import DerivativeGraph, WorkNode
from revenue.money import Money
from revenue.payout import RevenueEvent, payout
from revenue.shares import DataProviderPool, Party, Role, SplitSheet, bps
from revenue.versions import SheetHistory, SheetVersion, Signature

F = Fraction
NAMES = {"id-2": "Ann", "id-1": "Bo", "id-9": "Zed"}  # generated ids sort unlike the names
NOON = datetime(2025, 1, 1, 12, tzinfo=UTC)


def solo(party: str, work: str = "w") -> SheetHistory:
    return SheetHistory(work).adopt(SheetHistory(work).propose(SplitSheet([Party(party, Role.CREATOR, F(1))]),
                                                               date(2025, 1, 1)).sign(party, NOON))


def duo_amendment(work: str = "w"):  # type: ignore[no-untyped-def]
    sheet = SplitSheet([Party("id-2", Role.CREATOR, bps(5000)), Party("id-1", Role.EDITOR, bps(5000))])
    return SheetHistory(work).propose(sheet, date(2025, 1, 1))


@pytest.mark.parametrize(
    ("make", "error", "with_ids", "with_names"),
    [
        # a person both on the sheet and in its pool
        (lambda: SplitSheet([Party("id-2", Role.CREATOR, bps(5000)), DataProviderPool("data", bps(5000), {"id-2": 1})]),
         DuplicatePartyError, "party 'id-2' appears twice (a party and a member of pool 'data')",
         "party 'Ann' appears twice (a party and a member of pool 'data')"),
        (lambda: Party("id-2", Role.CREATOR, F(0)), InvalidShareError,
         "share of party 'id-2' is 0 bps, expected more than 0", "share of party 'Ann' is 0 bps"),
        (lambda: Party("id-2", "boss", F(1)), InvalidShareError, "role 'boss' of party 'id-2'", "role 'boss' of party 'Ann'"),
        (lambda: DataProviderPool("data", F(1), {"id-2": 0}), InvalidShareError,
         "weight of 'id-2' in pool 'data' is 0", "weight of 'Ann' in pool 'data' is 0"),
        # missing signatures, listed in name order once named
        (lambda: SheetHistory("w").adopt(duo_amendment()), UnsignedAmendmentError,
         "lacks the signatures of 'id-1', 'id-2'", "first version of work 'w' to version 1 lacks the signatures of 'Ann', 'Bo'"),
        (lambda: duo_amendment().sign("id-9", NOON), UnknownPartyError,
         "party 'id-9' is on neither", "party 'Zed' is on neither the current nor the proposed sheet of work 'w'"),
        (lambda: duo_amendment().sign("id-2", NOON).sign("id-2", NOON), DuplicatePartyError,
         "party 'id-2' signed twice", "amendment of 'w': party 'Ann' signed twice"),
        (lambda: SheetHistory("w", (SheetVersion(1, solo("id-2").latest.sheet, date(2025, 1, 1),
                                                 (Signature("id-2", NOON), Signature("id-9", NOON))),)),
         UnknownPartyError, "signed by 'id-9', a party", "work 'w' version 1 is signed by 'Zed', a party of neither"),
        (lambda: SheetHistory("w", (*solo("id-2").versions,
                                    SheetVersion(2, solo("id-2").latest.sheet, date(2025, 3, 1),
                                                 (Signature("id-2", datetime(2024, 12, 31, tzinfo=UTC)),)))),
         VersionError, "'id-2' signed on 2024-12-31", "work 'w' version 2: 'Ann' signed on 2024-12-31, before version 1"),
        (lambda: payout(RevenueEvent("w", Money(1, "USD"), date(2025, 2, 1)), graph=DerivativeGraph([WorkNode("w")]),
                        sheets={"w": solo("id-2")}).line("id-9"),
         UnknownPartyError, "party 'id-9' receives nothing", "party 'Zed' receives nothing from this event"),
        # a work id with braces is shown as it is, in both forms
        (lambda: SheetHistory("w{0}").adopt(duo_amendment("w{0}")), UnsignedAmendmentError,
         "work 'w{0}' to version 1", "work 'w{0}' to version 1 lacks the signatures of 'Ann', 'Bo'"),
        # an error naming no party reads the same either way
        (lambda: DerivativeGraph([WorkNode("w")]).node("{x}"), DerivationError, "work '{x}' is not in the derivative graph",
         "work '{x}' is not in the derivative graph"),
    ],
    ids=["duplicate-in-pool", "zero-share", "bad-role", "pool-weight", "unsigned", "stranger-signs", "signs-twice",
         "stranger-in-version", "early-signature", "no-such-line", "braces-in-work-id", "no-party"],
)
def test_errors_name_parties_by_name_when_asked(make, error, with_ids: str, with_names: str) -> None:
    with pytest.raises(error) as caught:
        make()
    assert with_ids in str(caught.value)  # the library's own message, with ids
    named = caught.value.named(NAMES)
    assert type(named) is type(caught.value) and isinstance(named, RevenueError)
    assert with_names in str(named)
    assert not any(f"'{party_id}'" in str(named) for party_id in NAMES)
    assert str(named.named(NAMES)) == str(named)  # naming twice changes nothing


def test_an_id_without_a_name_stays_an_id() -> None:
    with pytest.raises(UnsignedAmendmentError) as caught:
        SheetHistory("w").adopt(duo_amendment())
    assert "lacks the signatures of 'Ann', 'id-1'" in str(caught.value.named({"id-2": "Ann"}))
