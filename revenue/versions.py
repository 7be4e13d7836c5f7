"""Versioned split sheets: consent before change, and never a retroactive one.

A work's :class:`SheetHistory` is a list of :class:`SheetVersion` s, each in force from its
``effective_from`` date (inclusive) until the next version's. A change starts as an
:class:`Amendment` (``history.propose``), collects one :class:`Signature` (who and when) from every
party of the version it replaces and of the new sheet, and only then can be adopted.

The rules (see docs/adr/0003-revenue-allocation.md), checked whenever a history is built, so a
history read back from storage is re-validated too:

- consent: a version's signatures are exactly the parties of the previous version and of its own
  sheet (the first version: its own parties); a missing one is UnsignedAmendmentError, a stranger
  is UnknownPartyError, a second signature by the same party is DuplicatePartyError;
- never retroactive: the answer of :meth:`SheetHistory.sheet_in_force` for a day never changes
  once that day has begun. So an amendment takes effect at the earliest on the day *after* its last
  signature lands (UTC), and after the previous version's effective date; the first version, which
  replaces nothing, may take effect on the day its last signature lands. Signatures on an
  amendment cannot predate the adoption (last signature) of the version it replaces.

>>> from datetime import date, datetime, UTC
>>> from revenue.shares import Party, Role, SplitSheet, bps
>>> solo = SplitSheet([Party("alice", Role.CREATOR, bps(10_000))])
>>> first = SheetHistory("work-1").propose(solo, date(2025, 1, 1)).sign("alice", datetime(2025, 1, 1, 9, tzinfo=UTC))
>>> history = SheetHistory("work-1").adopt(first)
>>> duo = SplitSheet([Party("alice", Role.CREATOR, bps(7000)), Party("bob", Role.EDITOR, bps(3000))])
>>> change = history.propose(duo, date(2025, 3, 1)).sign("alice", datetime(2025, 2, 1, tzinfo=UTC))
>>> history.adopt(change)
Traceback (most recent call last):
...
revenue.errors.UnsignedAmendmentError: amendment of work 'work-1' to version 2 lacks the signature of 'bob': every party of the old and the new version must sign
>>> history = history.adopt(change.sign("bob", datetime(2025, 2, 2, tzinfo=UTC)))
>>> history.sheet_in_force(date(2025, 2, 28)).number, history.sheet_in_force(date(2025, 3, 1)).number
(1, 2)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from revenue.errors import DuplicatePartyError, UnknownPartyError, UnsignedAmendmentError, VersionError, parties
from revenue.shares import SplitSheet


@dataclass(frozen=True, slots=True)
class Signature:
    """``party_id`` consented at ``signed_at`` (timezone-aware; its UTC date is what the rules use)."""

    party_id: str
    signed_at: datetime

    def __post_init__(self) -> None:
        if not isinstance(self.party_id, str) or not self.party_id:
            raise UnknownPartyError(f"a signature must name a party, got {self.party_id!r}")
        if not isinstance(self.signed_at, datetime) or self.signed_at.utcoffset() is None:
            raise VersionError.about("signature of {party} needs a timezone-aware datetime, got {at!r}",
                                     party=parties(self.party_id), at=self.signed_at)

    @property
    def day(self) -> date:
        """The UTC date the signature landed on."""
        return self.signed_at.astimezone(UTC).date()


def _sorted_signatures(signatures: Iterable[Signature], what: str) -> tuple[Signature, ...]:
    seen: dict[str, Signature] = {}
    for signature in signatures:
        if not isinstance(signature, Signature):
            raise VersionError(f"{what}: expected Signature entries, got {signature!r}")
        if signature.party_id in seen:
            raise DuplicatePartyError.about("{what}: party {party} signed twice, expected one signature per party",
                                            what=what, party=parties(signature.party_id))
        seen[signature.party_id] = signature
    return tuple(seen[party] for party in sorted(seen))


@dataclass(frozen=True, slots=True)
class SheetVersion:
    """Version ``number`` (from 1) of a work's sheet, in force from ``effective_from`` (inclusive)."""

    number: int
    sheet: SplitSheet
    effective_from: date
    signatures: tuple[Signature, ...]

    def __post_init__(self) -> None:
        if type(self.number) is not int or self.number < 1:
            raise VersionError(f"version numbers start at 1, got {self.number!r}")
        if not isinstance(self.sheet, SplitSheet):
            raise VersionError(f"version {self.number} needs a SplitSheet, got {type(self.sheet).__name__}")
        if not isinstance(self.effective_from, date) or isinstance(self.effective_from, datetime):
            raise VersionError(f"version {self.number} takes effect from a date, got {self.effective_from!r}")
        object.__setattr__(self, "signatures", _sorted_signatures(self.signatures, f"version {self.number}"))

    @property
    def adopted_on(self) -> date:
        """The UTC date the last signature landed: the day the version was agreed."""
        return max(signature.day for signature in self.signatures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "effective_from": self.effective_from.isoformat(),
            "sheet": self.sheet.to_dict(),
            "signatures": [{"party_id": s.party_id, "signed_at": s.signed_at.isoformat()} for s in self.signatures],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SheetVersion:
        try:
            signatures = tuple(
                Signature(s["party_id"], datetime.fromisoformat(s["signed_at"])) for s in data.get("signatures", ())
            )
            return cls(int(data["number"]), SplitSheet.from_dict(data["sheet"]),
                       date.fromisoformat(data["effective_from"]), signatures)
        except (KeyError, TypeError, ValueError) as e:
            raise VersionError(f"malformed sheet version: {e}") from e


@dataclass(frozen=True, slots=True)
class Amendment:
    """A proposed next version of a work's sheet, collecting the signatures it needs."""

    work_id: str
    replaces: int  # number of the version this one replaces; 0 for the first version
    sheet: SplitSheet
    effective_from: date
    required: frozenset[str]
    signatures: tuple[Signature, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "signatures", _sorted_signatures(self.signatures, f"amendment of {self.work_id!r}"))

    @property
    def missing(self) -> frozenset[str]:
        """The parties who still have to sign."""
        return self.required - {signature.party_id for signature in self.signatures}

    def sign(self, party_id: str, signed_at: datetime) -> Amendment:
        """A copy with ``party_id``'s signature added; only parties of the old or new version may sign."""
        if party_id not in self.required:
            raise UnknownPartyError.about(
                "party {party} is on neither the current nor the proposed sheet of work {work!r}, "
                "so it cannot sign this amendment", party=parties(party_id), work=self.work_id,
            )
        return Amendment(self.work_id, self.replaces, self.sheet, self.effective_from, self.required,
                         (*self.signatures, Signature(party_id, signed_at)))


@dataclass(frozen=True, slots=True)
class SheetHistory:
    """Every adopted version of one work's sheet, oldest first; valid by construction."""

    work_id: str
    versions: tuple[SheetVersion, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.work_id, str) or not self.work_id:
            raise VersionError(f"a sheet history needs a work id, got {self.work_id!r}")
        versions = tuple(self.versions)
        object.__setattr__(self, "versions", versions)
        previous: SheetVersion | None = None
        for version in versions:
            _check_successor(self.work_id, previous, version)
            previous = version

    @property
    def latest(self) -> SheetVersion | None:
        return self.versions[-1] if self.versions else None

    def propose(self, sheet: SplitSheet, effective_from: date) -> Amendment:
        """An unsigned amendment replacing the latest version (or the first version of an empty history)."""
        latest = self.latest
        required = sheet.party_ids | (latest.sheet.party_ids if latest else frozenset())
        return Amendment(self.work_id, latest.number if latest else 0, sheet, effective_from, required)

    def adopt(self, amendment: Amendment) -> SheetHistory:
        """The history with ``amendment`` as its new latest version, once every rule holds."""
        latest_number = self.latest.number if self.latest else 0
        if amendment.work_id != self.work_id:
            raise VersionError(f"amendment is for work {amendment.work_id!r}, not {self.work_id!r}")
        if amendment.replaces != latest_number:
            raise VersionError(
                f"amendment of work {self.work_id!r} was proposed against version {amendment.replaces}, "
                f"expected the latest, version {latest_number}: propose it again"
            )
        version = SheetVersion(latest_number + 1, amendment.sheet, amendment.effective_from, amendment.signatures)
        return SheetHistory(self.work_id, (*self.versions, version))

    def sheet_in_force(self, on: date) -> SheetVersion:
        """The version whose effective date is the latest one on or before ``on``."""
        if not isinstance(on, date) or isinstance(on, datetime):
            raise VersionError(f"expected a date, got {on!r}")
        for version in reversed(self.versions):
            if version.effective_from <= on:
                return version
        first = f"the first takes effect on {self.versions[0].effective_from}" if self.versions else "it has none"
        raise VersionError(f"work {self.work_id!r} has no split sheet in force on {on}: {first}")

    def to_dict(self) -> dict[str, Any]:
        return {"work_id": self.work_id, "versions": [version.to_dict() for version in self.versions]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SheetHistory:
        return cls(data.get("work_id"), tuple(SheetVersion.from_dict(v) for v in data.get("versions", ())))


def _check_successor(work_id: str, previous: SheetVersion | None, version: SheetVersion) -> None:
    """Consent and date rules of ``version`` following ``previous`` (None for the first version)."""
    expected_number = previous.number + 1 if previous else 1
    what = f"work {work_id!r} version {version.number}"
    if version.number != expected_number:
        raise VersionError(f"{what}: expected version number {expected_number}, got {version.number}")
    required = version.sheet.party_ids | (previous.sheet.party_ids if previous else frozenset())
    signed = {signature.party_id for signature in version.signatures}
    if missing := sorted(required - signed):
        label = "amendment of" if previous else "first version of"
        raise UnsignedAmendmentError.about(
            "{label} work {work!r} to version {number} lacks the signature{s} of {missing}: "
            "every party of the old and the new version must sign",
            label=label, work=work_id, number=version.number, s="s" if len(missing) > 1 else "", missing=parties(missing),
        )
    if strangers := sorted(signed - required):
        raise UnknownPartyError.about("{what} is signed by {strangers}, a party of neither the old nor the new version",
                                      what=what, strangers=parties(strangers))
    adopted_on = version.adopted_on
    if previous is None:
        if version.effective_from < adopted_on:
            raise VersionError(
                f"{what} takes effect on {version.effective_from}, before its last signature ({adopted_on}): "
                "a sheet cannot take effect before every party has signed"
            )
        return
    if early := [s for s in version.signatures if s.day < previous.adopted_on]:
        raise VersionError.about("{what}: {party} signed on {day}, before version {number} was adopted ({adopted})",
                                 what=what, party=parties(early[0].party_id), day=early[0].day,
                                 number=previous.number, adopted=previous.adopted_on)
    if version.effective_from <= adopted_on:
        raise VersionError(
            f"{what} takes effect on {version.effective_from}, expected after {adopted_on}, the day of its last "
            "signature: amendments are never retroactive, not even for the rest of the signing day"
        )
    if version.effective_from <= previous.effective_from:
        raise VersionError(
            f"{what} takes effect on {version.effective_from}, expected after version {previous.number}'s "
            f"effective date ({previous.effective_from})"
        )
