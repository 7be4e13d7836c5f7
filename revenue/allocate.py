"""One largest-remainder allocation: exact weights in, whole minor units out, nothing lost.

Each payee first gets the floor of its exact share ``amount * weight``. The units left over (fewer
than the number of payees) go one each to the payees with the largest remainders. Equal remainders
go in the order of the payees' ``names`` when given (payee id -> name: what two registries fed the
same data share, unlike the ids they generate), else of the payee ids; both in Python string
order, i.e. Unicode code points, and by id between equal names. So the payouts always sum to
exactly the amount, each is within one unit of its exact share (floor or floor + 1), and the
result does not depend on the order the weights are listed in. This is the Hamilton method.

>>> from fractions import Fraction
>>> third = Fraction(1, 3)
>>> allocate_largest_remainder(100, {"carol": third, "alice": third, "bob": third})
{'alice': 34, 'bob': 33, 'carol': 33}
>>> allocate_largest_remainder(100, {"p1": third, "p2": third, "p3": third}, names={"p1": "Cy", "p2": "Bo", "p3": "Ann"})
{'p1': 33, 'p2': 33, 'p3': 34}
>>> allocate_largest_remainder(1000, {"a": Fraction(1, 2), "b": Fraction(1, 4)})
Traceback (most recent call last):
...
revenue.errors.InvalidShareError: weights sum to 7,500 bps, expected exactly 10,000 bps (100%)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction

from revenue.errors import AmountError, InvalidShareError, UnknownPartyError, parties
from revenue.shares import describe_share


def allocate_largest_remainder(amount_minor: int, weights: Mapping[str, Fraction], *,
                               names: Mapping[str, str] | None = None) -> dict[str, int]:
    """Split ``amount_minor`` units by ``weights`` (exact, non-negative, summing to exactly 1); ties
    by ``names`` (payee id -> name, one for every payee) when given, else by payee id.

    Returns payee -> units, sorted by payee id.
    """
    for payee, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, Fraction | int):
            raise InvalidShareError.about("weight of {payee} must be an exact Fraction, got {kind} {weight!r}",
                                          payee=parties(payee), kind=type(weight).__name__, weight=weight)
    # Bring every weight over one common denominator so floors and remainders are plain integers.
    denominator = math.lcm(*(w.denominator for w in weights.values())) if weights else 1
    numerators = {payee: w.numerator * (denominator // w.denominator) for payee, w in weights.items()}
    return largest_remainder_units(amount_minor, numerators, denominator, names=names)


def largest_remainder_units(amount_minor: int, numerators: Mapping[str, int], denominator: int, *,
                            names: Mapping[str, str] | None = None) -> dict[str, int]:
    """The same allocation for weights given as integer numerators over one common ``denominator``.

    >>> largest_remainder_units(100, {"b": 1, "a": 1, "c": 1}, 3)
    {'a': 34, 'b': 33, 'c': 33}
    """
    if type(amount_minor) is not int or amount_minor < 0:
        raise AmountError(f"amount to allocate must be a non-negative int of minor units, got {amount_minor!r}")
    if type(denominator) is not int or denominator <= 0:
        raise InvalidShareError(f"the common denominator must be a positive int, got {denominator!r}")
    for payee, numerator in numerators.items():
        if not isinstance(payee, str):
            raise InvalidShareError(f"payee ids must be strings, got {payee!r}")
        if numerator < 0:
            raise InvalidShareError.about("weight of {payee} is {share}, expected 0 or more", payee=parties(payee),
                                          share=describe_share(Fraction(numerator, denominator)))
    total = sum(numerators.values())
    if total != denominator:
        raise InvalidShareError(
            f"weights sum to {describe_share(Fraction(total, denominator))}, expected exactly 10,000 bps (100%)"
        )
    payouts: dict[str, int] = {}
    remainders: dict[str, int] = {}
    for payee, numerator in numerators.items():
        payouts[payee], remainders[payee] = divmod(amount_minor * numerator, denominator)
    order = _tie_break_order(numerators, names)
    leftover = amount_minor - sum(payouts.values())
    if leftover:
        for payee in sorted(remainders, key=lambda p: (-remainders[p], order[p]))[:leftover]:
            payouts[payee] += 1
    return dict(sorted(payouts.items()))


def _tie_break_order(payees: Iterable[str], names: Mapping[str, str] | None) -> dict[str, tuple[str, ...]]:
    """Payee -> its place among equal remainders: (name, id) when names decide, else (id,)."""
    if names is None:
        return {payee: (payee,) for payee in payees}
    order = {}
    for payee in payees:
        name = names.get(payee)
        if not isinstance(name, str):
            raise UnknownPartyError.about("no name for payee {payee}: ties go by name, so every payee needs one",
                                          payee=parties(payee))
        order[payee] = (name, payee)
    return order
