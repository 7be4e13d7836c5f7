"""Split sheets: valid by construction, pools weighted by integers, order of listing irrelevant."""

from __future__ import annotations

from fractions import Fraction

import pytest

from revenue.errors import DuplicatePartyError, InvalidShareError, UnknownPartyError
from revenue.shares import DataProviderPool, Party, Role, SplitSheet, bps, format_share, parse_share

F = Fraction


@pytest.mark.parametrize(
    ("slots", "weights"),
    [
        # basis points summing to 10,000
        ([Party("a", Role.CREATOR, bps(7000)), Party("b", Role.EDITOR, bps(3000))], {"a": F(7, 10), "b": F(3, 10)}),
        # thirds: not expressible in basis points, exact as fractions
        ([Party(p, Role.CREATOR, F(1, 3)) for p in "abc"], {"a": F(1, 3), "b": F(1, 3), "c": F(1, 3)}),
        # basis points and fractions mixed
        ([Party("a", Role.CREATOR, bps(5000)), Party("b", Role.PLATFORM, F(1, 4)), Party("c", Role.OTHER, F(1, 4))],
         {"a": F(1, 2), "b": F(1, 4), "c": F(1, 4)}),
        # one party takes everything
        ([Party("solo", Role.CREATOR, bps(10_000))], {"solo": F(1)}),
        # a 20% pool split 3:1 -> 15% and 5%
        ([Party("a", Role.CREATOR, bps(6000)), Party("m", Role.MODEL_DEVELOPER, bps(2000)),
          DataProviderPool("data", bps(2000), {"x": 3, "y": 1})],
         {"a": F(3, 5), "m": F(1, 5), "x": F(3, 20), "y": F(1, 20)}),
        # a pool with weights that do not divide evenly: 1/2 split 1:1:1 -> 1/6 each
        ([Party("a", Role.CREATOR, F(1, 2)), DataProviderPool("data", F(1, 2), {"x": 1, "y": 1, "z": 1})],
         {"a": F(1, 2), "x": F(1, 6), "y": F(1, 6), "z": F(1, 6)}),
    ],
    ids=["bps", "thirds", "mixed", "solo", "pool-3-to-1", "pool-thirds"],
)
def test_valid_sheets_and_their_weights(slots, weights) -> None:
    sheet = SplitSheet(slots)
    assert sheet.weights() == weights
    assert sum(sheet.weights().values()) == 1
    assert sheet.party_ids == frozenset(weights)
    assert SplitSheet(reversed(slots)) == sheet  # listing order does not matter
    assert SplitSheet.from_dict(sheet.to_dict()) == sheet  # round trip through JSON-able form
    denominator, numerators = sheet.integer_weights()  # the same weights over one common denominator
    assert {p: F(n, denominator) for p, n in numerators.items()} == weights


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        # shares that do not add up
        (lambda: SplitSheet([Party("a", Role.CREATOR, bps(9900))]), InvalidShareError,
         "shares sum to 9,900 bps, expected exactly 10,000 bps"),
        (lambda: SplitSheet([Party("a", Role.CREATOR, bps(6000)), Party("b", Role.EDITOR, bps(4100))]),
         InvalidShareError, "shares sum to 10,100 bps"),
        (lambda: SplitSheet([Party("a", Role.CREATOR, F(1, 3)), Party("b", Role.EDITOR, F(1, 3))]),
         InvalidShareError, "shares sum to 2/3"),
        (lambda: SplitSheet([]), InvalidShareError, "shares sum to 0 bps"),  # an empty sheet
        # a zero or negative share
        (lambda: Party("a", Role.CREATOR, bps(0)), InvalidShareError, "share of party 'a' is 0 bps, expected more than 0"),
        (lambda: Party("a", Role.CREATOR, F(-1, 4)), InvalidShareError, "expected more than 0"),
        (lambda: Party("a", Role.CREATOR, F(5, 4)), InvalidShareError, "expected at most 10,000 bps"),
        (lambda: DataProviderPool("p", bps(0), {"x": 1}), InvalidShareError, "share of pool 'p' is 0 bps"),
        # shares must be exact
        (lambda: Party("a", Role.CREATOR, 0.5), InvalidShareError, "must be an exact Fraction"),
        (lambda: Party("a", Role.CREATOR, 5000), InvalidShareError, "use bps"),  # an int is ambiguous
        (lambda: bps(10_001), InvalidShareError, "from 0 to 10,000"),
        (lambda: bps(12.5), InvalidShareError, "must be an int"),
        # duplicates
        (lambda: SplitSheet([Party("a", Role.CREATOR, bps(5000)), Party("a", Role.EDITOR, bps(5000))]),
         DuplicatePartyError, "party 'a' appears twice"),
        (lambda: SplitSheet([Party("a", Role.CREATOR, bps(5000)), DataProviderPool("p", bps(5000), {"a": 1})]),
         DuplicatePartyError, "as a party and a member of pool 'p'|a party and a member of pool 'p'"),
        (lambda: SplitSheet([Party("p", Role.CREATOR, bps(5000)), DataProviderPool("p", bps(5000), {"x": 1})]),
         DuplicatePartyError, "party 'p' appears twice"),  # a pool id collides with a party
        # pools
        (lambda: DataProviderPool("p", bps(100), {"x": 0}), InvalidShareError, "expected a positive integer"),
        (lambda: DataProviderPool("p", bps(100), {"x": 1.5}), InvalidShareError, "expected a positive integer"),
        (lambda: DataProviderPool("p", bps(100), {}), InvalidShareError, "no members"),
        # ids and roles
        (lambda: Party("", Role.CREATOR, bps(1)), InvalidShareError, "non-empty string"),
        (lambda: Party("a", "janitor", bps(1)), InvalidShareError, "role 'janitor'"),
        (lambda: SplitSheet(["a"]), InvalidShareError, "Party and DataProviderPool"),
    ],
    ids=["sum-9900", "sum-10100", "sum-two-thirds", "empty", "zero-share", "negative-share", "over-100",
         "zero-pool", "float-share", "int-share", "bps-over", "bps-float", "duplicate-party", "party-in-pool",
         "pool-id-collides", "zero-weight", "float-weight", "empty-pool", "empty-id", "unknown-role", "not-a-slot"],
)
def test_bad_sheets_raise_the_named_error(make, error, message) -> None:
    with pytest.raises(error, match=message):
        make()


def test_share_of_an_unknown_party() -> None:
    sheet = SplitSheet([Party("a", Role.CREATOR, bps(10_000))])
    assert sheet.share_of("a") == 1
    with pytest.raises(UnknownPartyError, match="'z' is not on this sheet"):
        sheet.share_of("z")


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("2500 bps", F(1, 4)),
        ("2500bps", F(1, 4)),  # no space
        ("1/3", F(1, 3)),
        ("2/6", F(1, 3)),  # reduced
        ("1", F(1)),
        ("10000 bps", F(1)),
    ],
    ids=lambda v: str(v),
)
def test_parse_share(text: str, share: Fraction) -> None:
    assert parse_share(text) == share
    assert parse_share(format_share(share)) == share


@pytest.mark.parametrize("text", ["0.25", "25%", "1/0", "-1/3", "bps", "", "1/3 bps"], ids=lambda v: repr(v))
def test_parse_share_refuses(text: str) -> None:
    with pytest.raises(InvalidShareError):
        parse_share(text)


def test_pool_members_are_data_providers_and_read_only() -> None:
    pool = DataProviderPool("data", bps(10_000), {"y": 1, "x": 2})
    assert pool.role is Role.DATA_PROVIDER
    assert list(pool.members) == ["x", "y"]
    with pytest.raises(TypeError):
        pool.members["x"] = 5  # type: ignore[index]
