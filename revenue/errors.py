"""The error family of the revenue library: one base class, one subclass per rule family.

Every message names the rule that was broken and says what was expected and what was found, so a
caller (the registry, the web layer's single error handler) can show it as is. Nothing in this
package records anything, so an error always means "nothing happened".

The library knows parties by id. An error that names parties keeps their ids apart from its text
(:meth:`RevenueError.about` with :func:`parties`), so a caller that knows the names its users
gave can show those instead: :meth:`RevenueError.named`.

>>> from revenue.errors import InvalidShareError, RevenueError
>>> issubclass(InvalidShareError, RevenueError)
True
>>> error = UnknownPartyError.about("party {party} is not on this sheet", party=parties("p-7f3a"))
>>> str(error), str(error.named({"p-7f3a": "Ann"})), error.party_ids
("party 'p-7f3a' is not on this sheet", "party 'Ann' is not on this sheet", frozenset({'p-7f3a'}))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Self


class Parties(tuple[str, ...]):
    """Party ids in an error message: shown quoted and comma-separated, by name when names are known."""

    def render(self, names: Mapping[str, str] | None = None) -> str:
        shown = [names.get(party, party) for party in self] if names else list(self)
        return ", ".join(repr(label) for label in sorted(shown))


def parties(*party_ids: str | Iterable[str]) -> Parties:
    """``parties("a")``, ``parties("a", "b")`` or ``parties(ids)``: the ids an error names."""
    flat: list[str] = []
    for entry in party_ids:
        flat.extend([entry] if isinstance(entry, str) else entry)
    return Parties(flat)


class RevenueError(Exception):
    """Base class of every error raised by :mod:`revenue`."""

    template: str | None = None
    values: Mapping[str, Any] = {}

    @classmethod
    def about(cls, template: str, **values: Any) -> Self:
        """An error whose message is ``template`` filled with ``values`` (``str.format`` fields); the
        values made with :func:`parties` are party ids, which :meth:`named` can show by name."""
        error = cls(_fill(template, values, None))
        error.template, error.values = template, dict(values)
        return error

    @property
    def party_ids(self) -> frozenset[str]:
        """The ids of the parties the message names (to look their names up for :meth:`named`)."""
        return frozenset(party for value in self.values.values() if isinstance(value, Parties) for party in value)

    def named(self, names: Mapping[str, str]) -> Self:
        """The same error showing its parties by name (``names``: party id -> name; an id without a
        name stays as it is). An error that names no party comes back unchanged."""
        if self.template is None:
            return self
        error = type(self)(_fill(self.template, self.values, names))
        error.template, error.values = self.template, self.values
        return error


def _fill(template: str, values: Mapping[str, Any], names: Mapping[str, str] | None) -> str:
    return template.format(**{key: value.render(names) if isinstance(value, Parties) else value
                              for key, value in values.items()})


class CurrencyError(RevenueError):
    """A currency is not an ISO 4217 code we know the minor units of, or two currencies are mixed."""


class AmountError(RevenueError):
    """An amount is negative, over-precise for its currency, not a number, or a float."""


class InvalidShareError(RevenueError):
    """A share or weight is out of range (zero, negative, over 100%) or the shares do not add up."""


class DuplicatePartyError(RevenueError):
    """A party appears twice where it must appear once (a sheet, a pool, a list of signatures)."""


class UnknownPartyError(RevenueError):
    """A party is named that the sheet (or the amendment being signed) does not know."""


class VersionError(RevenueError):
    """A sheet version breaks the versioning rules: numbering, effective dates, no sheet in force."""


class UnsignedAmendmentError(VersionError):
    """An amendment is adopted before every party of the old and of the new version has signed."""


class DerivationError(RevenueError):
    """The derivative graph breaks a rule: unknown parent, parent shares over 100%, too deep, too wide."""


class CycleError(DerivationError):
    """A work is its own ancestor (self-parenting is the one-work cycle)."""


class RoyaltyStackError(DerivationError):
    """A work under the absolute model promises its ancestors more than 100% of what it earns."""
