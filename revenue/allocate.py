"""One largest-remainder allocation: exact weights in, whole minor units out, nothing lost.

Each payee first gets the floor of its exact share ``amount * weight``. The units left over (fewer
than the number of payees) go one each to the payees with the largest remainders; equal remainders
go in party-id order (Python string order, i.e. Unicode code points). So the payouts always sum to
exactly the amount, each is within one unit of its exact share (floor or floor + 1), and the
result does not depend on the order the weights are listed in. This is the Hamilton method.

>>> from fractions import Fraction
>>> third = Fraction(1, 3)
>>> allocate_largest_remainder(100, {"carol": third, "alice": third, "bob": third})
{'alice': 34, 'bob': 33, 'carol': 33}
>>> allocate_largest_remainder(1000, {"a": Fraction(1, 2), "b": Fraction(1, 4)})
Traceback (most recent call last):
...
revenue.errors.InvalidShareError: weights sum to 7,500 bps, expected exactly 10,000 bps (100%)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

from revenue.errors import AmountError, InvalidShareError
from revenue.shares import describe_share


def allocate_largest_remainder(amount_minor: int, weights: Mapping[str, Fraction]) -> dict[str, int]:
    """Split ``amount_minor`` units by ``weights`` (exact, non-negative, summing to exactly 1).

    Returns payee -> units, sorted by payee id.
    """
    for payee, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, Fraction | int):
            raise InvalidShareError(f"weight of {payee!r} must be an exact Fraction, got {type(weight).__name__} {weight!r}")
    # Bring every weight over one common denominator so floors and remainders are plain integers.
    denominator = math.lcm(*(w.denominator for w in weights.values())) if weights else 1
    numerators = {payee: w.numerator * (denominator // w.denominator) for payee, w in weights.items()}
    return largest_remainder_units(amount_minor, numerators, denominator)


def largest_remainder_units(amount_minor: int, numerators: Mapping[str, int], denominator: int) -> dict[str, int]:
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
            raise InvalidShareError(
                f"weight of {payee!r} is {describe_share(Fraction(numerator, denominator))}, expected 0 or more"
            )
    total = sum(numerators.values())
    if total != denominator:
        raise InvalidShareError(
            f"weights sum to {describe_share(Fraction(total, denominator))}, expected exactly 10,000 bps (100%)"
        )
    payouts: dict[str, int] = {}
    remainders: dict[str, int] = {}
    for payee, numerator in numerators.items():
        payouts[payee], remainders[payee] = divmod(amount_minor * numerator, denominator)
    leftover = amount_minor - sum(payouts.values())
    for payee in sorted(remainders, key=lambda p: (-remainders[p], p))[:leftover]:
        payouts[payee] += 1
    return dict(sorted(payouts.items()))
