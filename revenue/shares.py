"""Split sheets: who earns what share of the revenue a work keeps, valid by construction.

A share is an exact :class:`~fractions.Fraction` of 1, written as basis points (``bps(2500)`` is
25%) or as an exact fraction (``Fraction(1, 3)``). A :class:`SplitSheet` holds parties with roles
and pools of data providers; a pool takes one slot and divides it among its members by positive
integer weights. A sheet that exists has every share above zero, shares that sum to exactly 1,
and every payee exactly once.

>>> sheet = SplitSheet([
...     Party("alice", Role.CREATOR, bps(6000)),
...     Party("model-co", Role.MODEL_DEVELOPER, bps(2000)),
...     DataProviderPool("training-data", bps(2000), {"archive-a": 3, "archive-b": 1}),
... ])
>>> sheet.weights()["archive-a"], sheet.weights()["alice"]
(Fraction(3, 20), Fraction(3, 5))
>>> SplitSheet([Party("alice", Role.CREATOR, bps(9900))])
Traceback (most recent call last):
...
revenue.errors.InvalidShareError: shares sum to 9,900 bps, expected exactly 10,000 bps (100%)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from revenue.errors import DuplicatePartyError, InvalidShareError, UnknownPartyError, parties

BASIS_POINTS = 10_000
"""Basis points in 100%."""

_BPS_TEXT = re.compile(r"([0-9]+)\s*bps")
_FRACTION_TEXT = re.compile(r"([0-9]+)(?:/([0-9]+))?")


class Role(StrEnum):
    CREATOR = "creator"
    EDITOR = "editor"
    MODEL_DEVELOPER = "model_developer"
    DATA_PROVIDER = "data_provider"
    PLATFORM = "platform"
    OTHER = "other"


def bps(points: int) -> Fraction:
    """A share given in basis points, as an exact fraction: ``bps(2500) == Fraction(1, 4)``."""
    if type(points) is not int or not 0 <= points <= BASIS_POINTS:
        raise InvalidShareError(f"basis points must be an int from 0 to 10,000, got {points!r}")
    return Fraction(points, BASIS_POINTS)


def check_share(value: object, what: str, **values: object) -> Fraction:
    """``value`` as a share in (0, 1]; InvalidShareError naming ``what`` otherwise (a message template
    filled with ``values``, as in :meth:`~revenue.errors.RevenueError.about`)."""
    if not isinstance(value, Fraction):
        raise InvalidShareError.about(
            what + " must be an exact Fraction (use bps(n) for basis points), got {_kind} {_value!r}",
            **values, _kind=type(value).__name__, _value=value,
        )
    if value <= 0:
        raise InvalidShareError.about(what + " is {_share}, expected more than 0", **values, _share=describe_share(value))
    if value > 1:
        raise InvalidShareError.about(what + " is {_share}, expected at most 10,000 bps (100%)",
                                      **values, _share=describe_share(value))
    return value


def describe_share(value: Fraction) -> str:
    """Basis points when the share is a whole number of them, else the exact fraction.

    >>> describe_share(bps(9900)), describe_share(Fraction(1, 3))
    ('9,900 bps', '1/3')
    """
    points = value * BASIS_POINTS
    if points.denominator == 1:
        return f"{points.numerator:,} bps"
    return f"{value.numerator}/{value.denominator}"


def format_share(value: Fraction) -> str:
    """The text form :func:`parse_share` reads back: ``'2500 bps'`` or ``'1/3'``."""
    points = value * BASIS_POINTS
    if points.denominator == 1:
        return f"{points.numerator} bps"
    return f"{value.numerator}/{value.denominator}"


def parse_share(text: str) -> Fraction:
    """Read ``'2500 bps'``, ``'2500bps'``, ``'1/3'`` or ``'1'`` as an exact fraction (no decimals, no floats).

    >>> parse_share("2500 bps"), parse_share("1/3")
    (Fraction(1, 4), Fraction(1, 3))
    """
    stripped = text.strip() if isinstance(text, str) else ""
    if match := _BPS_TEXT.fullmatch(stripped):
        return bps(int(match[1]))
    if (match := _FRACTION_TEXT.fullmatch(stripped)) and int(match[2] or 1) != 0:
        return Fraction(int(match[1]), int(match[2] or 1))
    raise InvalidShareError(f"share {text!r} is neither basis points like '2500 bps' nor an exact fraction like '1/3'")


def _check_party_id(party_id: object, what: str = "party id", **values: object) -> str:
    if not isinstance(party_id, str) or not party_id.strip():
        raise InvalidShareError.about(what + " must be a non-empty string, got {_id!r}", **values, _id=party_id)
    return party_id


def _check_role(role: object, party_id: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidShareError.about("role {role!r} of party {party} is not one of {roles}", role=role,
                                      party=parties(party_id), roles=", ".join(r.value for r in Role)) from None


@dataclass(frozen=True, slots=True)
class Party:
    """One payee of a sheet, with a role and a share of what the work keeps."""

    party_id: str
    role: Role
    share: Fraction

    def __post_init__(self) -> None:
        _check_party_id(self.party_id)
        object.__setattr__(self, "role", _check_role(self.role, self.party_id))
        check_share(self.share, "share of party {party}", party=parties(self.party_id))

    def weights(self) -> dict[str, Fraction]:
        return {self.party_id: self.share}


@dataclass(frozen=True, slots=True)
class DataProviderPool:
    """Data providers sharing one slot of a sheet, each in proportion to a positive integer weight."""

    pool_id: str
    share: Fraction
    members: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_party_id(self.pool_id, "pool id")
        check_share(self.share, "share of pool {pool!r}", pool=self.pool_id)
        members = dict(self.members)
        if not members:
            raise InvalidShareError.about("pool {pool!r} has no members, expected at least one data provider",
                                          pool=self.pool_id)
        for member, weight in members.items():
            _check_party_id(member, "member id of pool {pool!r}", pool=self.pool_id)
            if type(weight) is not int or weight <= 0:
                raise InvalidShareError.about("weight of {member} in pool {pool!r} is {weight!r}, expected a positive "
                                              "integer", member=parties(member), pool=self.pool_id, weight=weight)
        object.__setattr__(self, "members", MappingProxyType(dict(sorted(members.items()))))

    @property
    def role(self) -> Role:
        return Role.DATA_PROVIDER

    def weights(self) -> dict[str, Fraction]:
        total = sum(self.members.values())
        return {member: self.share * Fraction(weight, total) for member, weight in self.members.items()}

    def __hash__(self) -> int:
        return hash((self.pool_id, self.share, tuple(self.members.items())))


Slot = Party | DataProviderPool


@dataclass(frozen=True, slots=True)
class SplitSheet:
    """The parties and pools of one version of a work's split; listed order does not matter."""

    slots: tuple[Slot, ...]
    _weights: dict[str, Fraction] = field(init=False, repr=False, compare=False)
    _integer_weights: tuple[int, dict[str, int]] = field(init=False, repr=False, compare=False)

    def __init__(self, slots: Iterable[Slot]) -> None:
        slots = tuple(slots)
        for slot in slots:
            if not isinstance(slot, Party | DataProviderPool):
                raise InvalidShareError(f"a sheet holds Party and DataProviderPool entries, got {slot!r}")
        seen: dict[str, tuple[str, str | None]] = {}  # payee -> (what it is, the pool it is in)
        weights: dict[str, Fraction] = {}
        for slot in slots:
            slot_id = slot.party_id if isinstance(slot, Party) else slot.pool_id
            names: list[tuple[str, tuple[str, str | None]]] = [
                (slot_id, ("a party", None) if isinstance(slot, Party) else ("a pool", None))]
            if isinstance(slot, DataProviderPool):
                names += [(member, ("a member of pool", slot.pool_id)) for member in slot.members]
            for name, where in names:
                if name in seen:
                    raise DuplicatePartyError.about(
                        "party {party} appears twice ({first} and {second}), expected each party once per sheet",
                        party=parties(name), first=_where(*seen[name]), second=_where(*where))
                seen[name] = where
            weights.update(slot.weights())
        total = sum((slot.share for slot in slots), Fraction(0))
        if total != 1:
            raise InvalidShareError(f"shares sum to {describe_share(total)}, expected exactly 10,000 bps (100%)")
        object.__setattr__(self, "slots", tuple(sorted(slots, key=_slot_id)))
        object.__setattr__(self, "_weights", dict(sorted(weights.items())))
        denominator = math.lcm(*(w.denominator for w in weights.values()))
        object.__setattr__(self, "_integer_weights", (
            denominator, {payee: w.numerator * (denominator // w.denominator) for payee, w in self._weights.items()}
        ))

    def weights(self) -> dict[str, Fraction]:
        """Payee id -> exact share of what the work keeps; pools are expanded; sums to exactly 1."""
        return dict(self._weights)

    def integer_weights(self) -> tuple[int, dict[str, int]]:
        """The same weights as integer numerators over their least common denominator (for fast exact sums)."""
        denominator, numerators = self._integer_weights
        return denominator, dict(numerators)

    @property
    def party_ids(self) -> frozenset[str]:
        """Every payee of the sheet (pool members included): the people whose consent amendments need."""
        return frozenset(self._weights)

    def share_of(self, party_id: str) -> Fraction:
        try:
            return self._weights[party_id]
        except KeyError:
            raise UnknownPartyError.about("party {party} is not on this sheet", party=parties(party_id)) from None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form; shares as text (``'2500 bps'`` or ``'1/3'``), read back by :meth:`from_dict`."""
        parties: list[dict[str, Any]] = []
        for slot in self.slots:
            if isinstance(slot, Party):
                parties.append({"party_id": slot.party_id, "role": str(slot.role), "share": format_share(slot.share)})
            else:
                parties.append({"pool_id": slot.pool_id, "role": str(slot.role), "share": format_share(slot.share),
                                "members": dict(slot.members)})
        return {"parties": parties}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SplitSheet:
        slots: list[Slot] = []
        for entry in data.get("parties", ()):
            share = parse_share(entry.get("share", ""))
            if "pool_id" in entry:
                slots.append(DataProviderPool(entry["pool_id"], share, entry.get("members", {})))
            else:
                slots.append(Party(entry.get("party_id"), entry.get("role"), share))
        return cls(slots)


def _where(what: str, pool: str | None) -> str:
    return what if pool is None else f"{what} {pool!r}"


def _slot_id(slot: Slot) -> str:
    return slot.party_id if isinstance(slot, Party) else slot.pool_id
