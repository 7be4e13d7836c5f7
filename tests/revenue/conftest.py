"""Builders shared by the revenue tests: sheets from basis points, and histories signed by everyone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from revenue.shares import Party, Role, SplitSheet, bps
from revenue.versions import SheetHistory

START = date(2025, 1, 1)
"""The day every builder-made first version is signed and takes effect."""


class Build:
    """Small factories so table rows stay one line each."""

    @staticmethod
    def sheet(shares: Mapping[str, int | Fraction], role: Role = Role.CREATOR) -> SplitSheet:
        """Parties from ``{party: basis points (int) or exact Fraction}``."""
        return SplitSheet(Party(p, role, bps(s) if isinstance(s, int) else s) for p, s in shares.items())

    @staticmethod
    def signed(history: SheetHistory, sheet: SplitSheet, effective_from: date, signed_on: date) -> SheetHistory:
        """``history`` with ``sheet`` adopted, every required party having signed at noon UTC on ``signed_on``."""
        amendment = history.propose(sheet, effective_from)
        for party in sorted(amendment.required):
            amendment = amendment.sign(party, datetime(signed_on.year, signed_on.month, signed_on.day, 12, tzinfo=UTC))
        return history.adopt(amendment)

    def history(self, work_id: str, shares: Mapping[str, int | Fraction] | SplitSheet) -> SheetHistory:
        """A one-version history in force from :data:`START`."""
        sheet = shares if isinstance(shares, SplitSheet) else self.sheet(shares)
        return self.signed(SheetHistory(work_id), sheet, START, START)

    def histories(self, sheets: Mapping[str, Mapping[str, int | Fraction]]) -> dict[str, SheetHistory]:
        return {work: self.history(work, shares) for work, shares in sheets.items()}


@pytest.fixture(scope="session")
def build() -> Build:
    return Build()
