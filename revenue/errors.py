"""The error family of the revenue library: one base class, one subclass per rule family.

Every message names the rule that was broken and says what was expected and what was found, so a
caller (the registry, the web layer's single error handler) can show it as is. Nothing in this
package records anything, so an error always means "nothing happened".

>>> from revenue.errors import InvalidShareError, RevenueError
>>> issubclass(InvalidShareError, RevenueError)
True
"""

from __future__ import annotations


class RevenueError(Exception):
    """Base class of every error raised by :mod:`revenue`."""


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
