"""Versions and consent: every party of the old and new version signs; never retroactive."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from revenue.errors import DuplicatePartyError, UnknownPartyError, UnsignedAmendmentError, VersionError
from revenue.versions import SheetHistory, SheetVersion, Signature


def at(day: date, hour: int = 12, tz=UTC) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


D = date


@pytest.fixture
def v1(build) -> SheetHistory:
    """alice 100%, signed and in force from 2025-01-01."""
    return build.history("w", {"alice": 10_000})


def test_amendment_needs_old_and_new_parties(build, v1) -> None:
    # version 2 drops alice entirely: she must still consent, as must bob and carol
    amendment = v1.propose(build.sheet({"bob": 5000, "carol": 5000}), D(2025, 3, 1))
    assert amendment.required == {"alice", "bob", "carol"}
    amendment = amendment.sign("bob", at(D(2025, 2, 1))).sign("carol", at(D(2025, 2, 1)))
    assert amendment.missing == {"alice"}
    with pytest.raises(UnsignedAmendmentError, match="lacks the signature of 'alice'"):
        v1.adopt(amendment)
    history = v1.adopt(amendment.sign("alice", at(D(2025, 2, 3))))
    assert [v.number for v in history.versions] == [1, 2]
    assert history.latest.adopted_on == D(2025, 2, 3)
    assert [s.party_id for s in history.latest.signatures] == ["alice", "bob", "carol"]  # who and when, recorded


def test_first_version_needs_its_parties(build) -> None:
    amendment = SheetHistory("w").propose(build.sheet({"a": 5000, "b": 5000}), D(2025, 1, 1))
    with pytest.raises(UnsignedAmendmentError, match="first version of work 'w' to version 1 lacks the signatures of 'a', 'b'"):
        SheetHistory("w").adopt(amendment)


@pytest.mark.parametrize(
    ("effective", "signed", "error", "message"),
    [
        # the first version may take effect on the day of its last signature ...
        (D(2025, 1, 10), D(2025, 1, 10), None, None),
        # ... or later
        (D(2025, 2, 1), D(2025, 1, 10), None, None),
        # ... but not before it
        (D(2025, 1, 9), D(2025, 1, 10), VersionError, "before its last signature"),
    ],
    ids=["same-day", "later", "before-signature"],
)
def test_first_version_dates(build, effective, signed, error, message) -> None:
    sheet = build.sheet({"a": 10_000})
    if error is None:
        assert build.signed(SheetHistory("w"), sheet, effective, signed).latest.effective_from == effective
    else:
        with pytest.raises(error, match=message):
            build.signed(SheetHistory("w"), sheet, effective, signed)


@pytest.mark.parametrize(
    ("effective", "signed", "error", "message"),
    [
        # an amendment takes effect at the earliest the day after its last signature
        (D(2025, 3, 2), D(2025, 3, 1), None, None),
        # the same day would be retroactive for revenue already earned that day
        (D(2025, 3, 1), D(2025, 3, 1), VersionError, "expected after 2025-03-01, the day of its last signature"),
        # a date in the past: retroactive
        (D(2025, 2, 1), D(2025, 3, 1), VersionError, "never retroactive"),
        # a signature older than the version it amends cannot be consent to amending it
        (D(2025, 3, 1), D(2024, 12, 31), VersionError, r"signed on 2024-12-31, before version 1 was adopted \(2025-01-01\)"),
    ],
    ids=["day-after", "same-day", "past", "signed-before-v1"],
)
def test_amendment_dates(build, v1, effective, signed, error, message) -> None:
    sheet = build.sheet({"alice": 5000, "bob": 5000})
    if error is None:
        assert build.signed(v1, sheet, effective, signed).latest.effective_from == effective
    else:
        with pytest.raises(error, match=message):
            build.signed(v1, sheet, effective, signed)


def test_amendment_cannot_take_effect_before_a_future_previous_version(build, v1) -> None:
    # version 2 signed in February takes effect in June; version 3 signed in March cannot take effect in April
    v2 = build.signed(v1, build.sheet({"alice": 5000, "bob": 5000}), D(2025, 6, 1), D(2025, 2, 1))
    with pytest.raises(VersionError, match="expected after version 2's effective date"):
        build.signed(v2, build.sheet({"alice": 10_000}), D(2025, 4, 1), D(2025, 3, 1))


def test_signature_day_is_the_utc_day(build, v1) -> None:
    # 23:30 in New York on 1 March is 04:30 UTC on 2 March: taking effect on 2 March would be the same day
    new_york = timezone(timedelta(hours=-5))
    amendment = v1.propose(build.sheet({"alice": 10_000}), D(2025, 3, 2)).sign("alice", at(D(2025, 3, 1), 23, new_york))
    assert amendment.signatures[0].day == D(2025, 3, 2)
    with pytest.raises(VersionError, match="expected after 2025-03-02"):
        v1.adopt(amendment)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2024, 12, 31), None),  # before the first version: no sheet in force
        (D(2025, 1, 1), 1),  # the first version's effective date is inclusive
        (D(2025, 2, 28), 1),  # the day before version 2
        (D(2025, 3, 1), 2),  # version 2's effective date, inclusive
        (D(2025, 6, 30), 2),
        (D(2025, 7, 1), 3),
        (D(2099, 1, 1), 3),  # the latest version stays in force
    ],
    ids=lambda v: str(v),
)
def test_sheet_in_force(build, v1, on, expected) -> None:
    history = build.signed(v1, build.sheet({"alice": 5000, "bob": 5000}), D(2025, 3, 1), D(2025, 2, 1))
    history = build.signed(history, build.sheet({"alice": 10_000}), D(2025, 7, 1), D(2025, 6, 1))
    if expected is None:
        with pytest.raises(VersionError, match="no split sheet in force on 2024-12-31"):
            history.sheet_in_force(on)
    else:
        assert history.sheet_in_force(on).number == expected


def test_signers_must_be_parties_and_sign_once(build, v1) -> None:
    amendment = v1.propose(build.sheet({"alice": 10_000}), D(2025, 3, 1))
    with pytest.raises(UnknownPartyError, match="'mallory' is on neither the current nor the proposed sheet"):
        amendment.sign("mallory", at(D(2025, 2, 1)))
    signed = amendment.sign("alice", at(D(2025, 2, 1)))
    with pytest.raises(DuplicatePartyError, match="'alice' signed twice"):
        signed.sign("alice", at(D(2025, 2, 2)))


def test_stale_amendment_is_refused(build, v1) -> None:
    stale = v1.propose(build.sheet({"alice": 10_000}), D(2025, 5, 1)).sign("alice", at(D(2025, 2, 1)))
    v2 = build.signed(v1, build.sheet({"alice": 5000, "bob": 5000}), D(2025, 3, 1), D(2025, 2, 1))
    with pytest.raises(VersionError, match="proposed against version 1, expected the latest, version 2"):
        v2.adopt(stale)


@pytest.mark.parametrize(
    ("signed_at", "message"),
    [
        (datetime(2025, 1, 1, 12), "timezone-aware"),  # a naive datetime is ambiguous
        (D(2025, 1, 1), "timezone-aware"),  # a date is not a moment
    ],
    ids=["naive", "date"],
)
def test_signatures_need_an_instant(signed_at, message) -> None:
    with pytest.raises(VersionError, match=message):
        Signature("alice", signed_at)


def test_history_from_storage_is_revalidated(build, v1) -> None:
    history = build.signed(v1, build.sheet({"alice": 5000, "bob": 5000}), D(2025, 3, 1), D(2025, 2, 1))
    data = history.to_dict()
    assert SheetHistory.from_dict(data) == history
    del data["versions"][1]["signatures"][1]  # bob's signature lost in storage
    with pytest.raises(UnsignedAmendmentError, match="lacks the signature of 'bob'"):
        SheetHistory.from_dict(data)


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        ("skip", "expected version number 2, got 3"),  # numbering has no gaps
        ("stranger", "signed by 'zed', a party of neither"),  # a stranger's signature
    ],
    ids=["gap", "stranger"],
)
def test_history_built_by_hand_is_checked(build, v1, versions, message) -> None:
    sheet = build.sheet({"alice": 10_000})
    if versions == "skip":
        bad = SheetVersion(3, sheet, D(2025, 3, 1), (Signature("alice", at(D(2025, 2, 1))),))
    else:
        bad = SheetVersion(2, sheet, D(2025, 3, 1), (Signature("alice", at(D(2025, 2, 1))), Signature("zed", at(D(2025, 2, 1)))))
    with pytest.raises(VersionError if versions == "skip" else UnknownPartyError, match=message):
        SheetHistory("w", (*v1.versions, bad))
