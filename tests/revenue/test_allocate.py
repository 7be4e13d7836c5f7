"""Largest remainder, by hand: floors, then leftover units by larger remainder, ties by name (else by party id)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from revenue.allocate import allocate_largest_remainder
from revenue.errors import AmountError, InvalidShareError, UnknownPartyError

F = Fraction
THIRD = F(1, 3)


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        # 100 JPY three ways: 33.33 each, one yen left, equal remainders -> lowest party id
        (100, {"carol": THIRD, "alice": THIRD, "bob": THIRD}, {"alice": 34, "bob": 33, "carol": 33}),
        # 1000 fils (1.000 BHD) three ways: 333.33 each -> 334/333/333
        (1000, {"x": THIRD, "y": THIRD, "z": THIRD}, {"x": 334, "y": 333, "z": 333}),
        # two units left, three equal remainders: the two lowest ids
        (2, {"c": THIRD, "b": THIRD, "a": THIRD}, {"a": 1, "b": 1, "c": 0}),
        # 10 at 1/2, 1/4, 1/4: 5, 2.5, 2.5 -> the half unit goes to 'b' by id
        (10, {"a": F(1, 2), "c": F(1, 4), "b": F(1, 4)}, {"a": 5, "b": 3, "c": 2}),
        # remainders .5, .7, .8 with 2 units left: the larger remainders win over the lower id
        (10, {"a": F(15, 100), "b": F(17, 100), "c": F(68, 100)}, {"a": 1, "b": 2, "c": 7}),
        # exact shares need no rounding
        (1200, {"a": F(1, 4), "b": F(3, 4)}, {"a": 300, "b": 900}),
        # zero amount
        (0, {"a": F(1, 2), "b": F(1, 2)}, {"a": 0, "b": 0}),
        # a zero weight never receives a leftover unit
        (7, {"a": F(1), "b": F(0)}, {"a": 7, "b": 0}),
        # one party
        (12345, {"solo": F(1)}, {"solo": 12345}),
        # ids compare as strings (code points): "B" < "a" < "b"
        (2, {"b": THIRD, "a": THIRD, "B": THIRD}, {"B": 1, "a": 1, "b": 0}),
    ],
    ids=["jpy-thirds", "bhd-thirds", "two-left", "halves-tie", "remainder-beats-id", "exact", "zero",
         "zero-weight", "solo", "string-order"],
)
def test_hand_checked_allocations(amount: int, weights: dict[str, Fraction], expected: dict[str, int]) -> None:
    result = allocate_largest_remainder(amount, weights)
    assert result == expected
    assert list(result) == sorted(expected)  # sorted by payee
    assert sum(result.values()) == amount


@pytest.mark.parametrize(
    ("amount", "weights", "names", "expected"),
    [
        # 100 three ways, one unit left: the tie goes to the first name ("Ann"), whatever its id
        (100, {"id-9": THIRD, "id-1": THIRD, "id-5": THIRD}, {"id-9": "Ann", "id-1": "Cy", "id-5": "Bo"},
         {"id-1": 33, "id-5": 33, "id-9": 34}),
        # two left of three: the two first names
        (2, {"x": THIRD, "y": THIRD, "z": THIRD}, {"x": "Zoe", "y": "Amy", "z": "Max"}, {"x": 0, "y": 1, "z": 1}),
        # names compare by code point: "Zoe" < "amy" < "Émile"
        (2, {"1": THIRD, "2": THIRD, "3": THIRD}, {"1": "Émile", "2": "amy", "3": "Zoe"}, {"1": 0, "2": 1, "3": 1}),
        # a larger remainder still beats an earlier name
        (10, {"a": F(15, 100), "b": F(17, 100), "c": F(68, 100)}, {"a": "A", "b": "B", "c": "C"},
         {"a": 1, "b": 2, "c": 7}),
        # two payees with the same name (another registry's duplicates): then by id, still deterministic
        (1, {"q": F(1, 2), "p": F(1, 2)}, {"q": "Same", "p": "Same"}, {"p": 1, "q": 0}),
    ],
    ids=["first-name", "two-first-names", "code-points", "remainder-first", "same-name-then-id"],
)
def test_ties_go_by_name(amount, weights, names, expected) -> None:
    assert allocate_largest_remainder(amount, weights, names=names) == expected
    assert allocate_largest_remainder(amount, dict(reversed(weights.items())), names=names) == expected


def test_every_payee_needs_a_name_when_names_decide_ties() -> None:
    with pytest.raises(UnknownPartyError, match="no name for payee 'b'"):
        allocate_largest_remainder(1, {"a": F(1, 2), "b": F(1, 2)}, names={"a": "Ann"})


@pytest.mark.parametrize(
    ("amount", "weights", "error", "message"),
    [
        (100, {"a": F(1, 2), "b": F(1, 4)}, InvalidShareError, "weights sum to 7,500 bps"),  # short of 100%
        (100, {"a": F(3, 4), "b": F(1, 2)}, InvalidShareError, "weights sum to 12,500 bps"),  # over 100%
        (100, {}, InvalidShareError, "weights sum to 0 bps"),  # nobody to pay
        (100, {"a": F(3, 2), "b": F(-1, 2)}, InvalidShareError, "expected 0 or more"),  # a negative weight
        (100, {"a": 0.5, "b": 0.5}, InvalidShareError, "exact Fraction"),  # floats
        (-1, {"a": F(1)}, AmountError, "non-negative"),  # negative amount
        (1.0, {"a": F(1)}, AmountError, "non-negative int"),  # float amount
        (1, {7: F(1)}, InvalidShareError, "payee ids must be strings"),  # ids must sort as strings
    ],
    ids=["under", "over", "empty", "negative-weight", "float-weight", "negative-amount", "float-amount", "int-id"],
)
def test_bad_allocations(amount, weights, error, message) -> None:
    with pytest.raises(error, match=message):
        allocate_largest_remainder(amount, weights)
