"""Revenue integrity through the registry (held-out split-sheet cases), on SQLite and PostgreSQL:
amount limits, royalty stacks over 100%, marketplace fees, zero amounts, ties by name, errors by
name, reversals with a reason."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import rfc8785
from sqlmodel import select

import revenue
from registry import ledger, sheets
from registry.errors import InvalidInputError, UnknownPartyError
from registry.models import LedgerLine, SheetVersionRow
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.settings import Settings

from ..conftest import steady_utc_today
from .test_register_article import ARTICLE
from .test_revenue_ledger import _adopt, _amounts, _state, works  # noqa: F401 (works is a fixture)

TODAY = steady_utc_today()
MAX = revenue.MAX_AMOUNT_MINOR  # 2^53 - 1


def _article(registry, text: str, parents: tuple[str, ...] = ()) -> str:
    return register_article(registry, text.encode(), RegistrationRequest(model="m", parents=parents)).work_id


def _leaf(registry, log_index: int) -> dict:
    with registry.db.reading() as session:
        return json.loads(registry.log.entry(session, log_index).leaf)


# -- 1. amounts up to 2^53 - 1 minor units, never a 500 ------------------------------------------


@pytest.mark.parametrize(
    ("record", "amount", "currency"),
    [
        ("revenue", "90071992547409.91", "USD"),  # 2^53 - 1 cents: the largest amount
        ("resale", "90071992547409.91", "USD"),
        ("revenue", "9007199254740991", "JPY"),  # 2^53 - 1 yen
        ("revenue", "900719925474.0991", "CLF"),  # four decimals
    ],
    ids=["revenue-usd", "resale-usd", "revenue-jpy", "revenue-clf"],
)
def test_the_largest_amount_is_recorded_and_logged(registry, works, record, amount, currency):
    child = works[1]
    if record == "revenue":
        result = ledger.record_revenue(registry, child, amount, currency, TODAY.isoformat())
    else:
        result = ledger.record_resale(registry, child, amount, currency, "Bo", TODAY.isoformat())
    assert sum(_amounts(result).values()) == MAX
    assert _leaf(registry, result["log_index"])["entry_sha256"] == result["entry_sha256"]
    reversal = ledger.reverse_entry(registry, result["entry_id"], reason="test of the largest amount")
    with registry.db.reading() as session:
        lines = session.exec(select(LedgerLine).where(LedgerLine.entry_id == reversal["entry_id"])).all()
    assert sum(line.amount_minor for line in lines) == -MAX


@pytest.mark.parametrize(
    "action",
    [
        lambda r, w: ledger.record_revenue(r, w[1], "90071992547409.92", "USD", TODAY.isoformat()),  # 2^53 cents
        lambda r, w: ledger.record_revenue(r, w[1], "90071992547409.92", "USD", TODAY.isoformat(), preview=True),
        lambda r, w: ledger.record_resale(r, w[1], "90071992547409.92", "USD", "Bo", TODAY.isoformat()),
        lambda r, w: ledger.record_resale(r, w[1], "90071992547409.92", "USD", "Bo", TODAY.isoformat(), preview=True),
        lambda r, w: ledger.record_revenue(r, w[1], "9007199254740992", "JPY", TODAY.isoformat()),
        lambda r, w: ledger.record_revenue(r, w[1], "1" + "0" * 30, "USD", TODAY.isoformat()),
        lambda r, w: ledger.record_revenue(r, w[1], "9" * 5000, "USD", TODAY.isoformat()),  # longer than int() reads
    ],
    ids=["revenue", "revenue-preview", "resale", "resale-preview", "jpy", "10^30", "5000-digits"],
)
def test_an_amount_over_the_limit_is_invalid_input_not_a_crash(registry, works, action):
    before = _state(registry)
    with pytest.raises(InvalidInputError, match="too large: expected at most 9,007,199,254,740,991 minor units") as caught:
        action(registry, works)
    assert caught.value.details["rule"] == "AmountError"
    assert _state(registry) == before


def test_a_16_deep_chain_at_the_largest_amount_fits_canonical_json():
    # shares and exact amounts of a deep chain have huge numerators and denominators: they are text
    nodes = [revenue.WorkNode("w0")] + [revenue.WorkNode(f"w{i}", {f"w{i - 1}": revenue.bps(1 + 37 * i)})
                                         for i in range(1, revenue.MAX_DEPTH + 1)]
    sheets_by_work = {}
    for node in nodes:
        history = revenue.SheetHistory(node.work_id)
        parties = [revenue.Party(f"{node.work_id}-p{j}", revenue.Role.CREATOR, revenue.bps(b))
                   for j, b in enumerate((3333, 3333, 3334))]
        amendment = history.propose(revenue.SplitSheet(parties), date(2025, 1, 1))
        for party in sorted(amendment.required):
            amendment = amendment.sign(party, datetime(2025, 1, 1, tzinfo=UTC))
        sheets_by_work[node.work_id] = history.adopt(amendment)
    graph = revenue.DerivativeGraph(nodes)
    for event in (revenue.RevenueEvent("w16", revenue.Money(MAX, "USD"), date(2025, 6, 1)),
                  revenue.Resale("w16", revenue.Money(MAX, "USD"), "seller", date(2025, 6, 1), marketplace="mkt",
                                 marketplace_fee_bps=250)):
        body = revenue.payout(event, graph=graph, sheets=sheets_by_work).to_dict()
        assert json.loads(rfc8785.dumps(body)) == body


# -- 2. a royalty stack over 100% is refused when terms are set, and at payout --------------------


def test_set_terms_refuses_an_absolute_stack_over_100_percent(registry):
    original = _article(registry, ARTICLE)
    remix = _article(registry, ARTICLE.replace("harbour", "river") + "\nA remix.\n", (original,))
    remix2 = _article(registry, ARTICLE.replace("harbour", "lake") + "\nA remix of the remix.\n", (remix,))
    sheets.set_terms(registry, remix, parents={original: 8000})
    with pytest.raises(InvalidInputError) as caught:
        sheets.set_terms(registry, remix2, parents={remix: 6000}, model="absolute")
    message = str(caught.value)
    assert caught.value.details["rule"] == "RoyaltyStackError"
    assert f"work {remix2!r} uses the absolute model and promises its ancestors 14,000 bps" in message
    assert f"{original!r} 8,000 bps" in message and f"{remix!r} 6,000 bps" in message and "4,000 bps over" in message
    assert sheets.sheet_history(registry, remix2)["terms"]["set"] is False
    sheets.set_terms(registry, remix2, parents={remix: 2000}, model="absolute")  # 100% exactly is fine


# -- 3. marketplace fees ------------------------------------------------------------------------


def test_resale_pays_the_marketplace_its_fee(registry, works):
    # 100.00 resold by Bo through Dee (250 bps): royalty 5% (500 bps) through the child's split and
    # its parent, 2.50 to Dee, 92.50 to Bo
    child = works[1]
    preview = ledger.record_resale(registry, child, "100.00", "USD", "Bo", TODAY.isoformat(),
                                   marketplace="Dee", marketplace_fee_bps=250, preview=True)
    result = ledger.record_resale(registry, child, "100.00", "USD", "Bo", TODAY.isoformat(),
                                  marketplace="Dee", marketplace_fee_bps=250)
    assert _amounts(preview) == _amounts(result)
    event = result["payout"]["event"]
    assert (event["marketplace_name"], event["marketplace_fee_bps"], event["seller_name"]) == ("Dee", 250, "Bo")
    amounts = _amounts(result)
    assert sum(amounts.values()) == 10_000
    # Dee is also a third of the child's sheet: 1/3 of 80% of the 5.00 royalty = 1.33..., plus the 2.50 fee
    assert amounts["Dee"] in (383, 384)
    # Bo: 92.50 as the seller, plus 40% of the 20% of the royalty that flows up = 0.40
    assert amounts["Bo"] == 9290
    assert result["payout"]["resale"] == {"royalty_bps": 500, "exact_minor": "500", "eip2981_minor": 500}
    dee = ledger.party_statement(registry, "Dee", TODAY, TODAY).to_dict()
    assert dee["entries"][0]["via"].endswith(f"{child}@fee:1/40")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"marketplace": "Nobody", "marketplace_fee_bps": 100}, UnknownPartyError, "Nobody"),
        ({"marketplace": "Dee", "marketplace_fee_bps": 9501}, InvalidInputError,
         "royalty 500 bps and marketplace fee 9,501 bps sum to 10,001 bps, expected at most 10,000"),
        ({"marketplace": "Dee", "marketplace_fee_bps": 10_001}, InvalidInputError, "expected an int from 0 to 10,000"),
        ({"marketplace": "Dee", "marketplace_fee_bps": "250"}, InvalidInputError, "whole basis points"),
        ({"marketplace": "Dee", "marketplace_fee_bps": True}, InvalidInputError, "whole basis points"),
        ({"marketplace_fee_bps": 250}, InvalidInputError, "needs the marketplace it is paid to"),
        ({"sold_days_from_today": 1}, InvalidInputError, "in the future"),
    ],
    ids=["unknown-marketplace", "royalty-plus-fee-over-100", "fee-over-100", "fee-as-text", "fee-as-bool",
         "fee-without-marketplace", "sold-in-future"],
)
def test_bad_resales_are_refused_and_record_nothing(registry, works, kwargs, error, message):
    before = _state(registry)
    kwargs = dict(kwargs)  # the row is shared by the SQLite and PostgreSQL runs
    # the date is made when the test runs: a run that crosses midnight must still sell "tomorrow"
    sold_on = (TODAY + timedelta(days=kwargs.pop("sold_days_from_today", 0))).isoformat()
    for preview in (True, False):
        with pytest.raises(error, match=message):
            ledger.record_resale(registry, works[1], "10.00", "USD", "Bo", sold_on, preview=preview, **kwargs)
    assert _state(registry) == before


# -- 4. zero amounts ----------------------------------------------------------------------------


def test_a_zero_amount_is_recorded_with_a_zero_line_for_every_payee(registry, works):
    result = ledger.record_revenue(registry, works[1], "0", "USD", TODAY.isoformat())
    assert _amounts(result) == dict.fromkeys(["Ann", "Bo", "Cy", "Dee", "Ed"], 0)
    with registry.db.reading() as session:
        lines = session.exec(select(LedgerLine).where(LedgerLine.entry_id == result["entry_id"])).all()
    assert len(lines) == 5 and {line.amount_minor for line in lines} == {0}
    statement = ledger.party_statement(registry, "Bo", TODAY, TODAY).to_dict()
    assert [(e["amount_minor"], e["event_amount"]) for e in statement["entries"]] == [(0, "0.00")]
    assert statement["totals"] == {"USD": {"amount_minor": 0, "amount": "0.00"}}
    resale = ledger.record_resale(registry, works[1], "0.00", "USD", "Bo", TODAY.isoformat(), marketplace="Cy",
                                  marketplace_fee_bps=100)
    assert set(_amounts(resale).values()) == {0} and "Bo" in _amounts(resale)


# -- 5. leftover units by name: two registries, same names, different ids -------------------------


def _world(registry, order: list[str]) -> str:
    """A one-work world whose sheet splits three ways between Cy, Dee and Ann; parties created in `order`."""
    work = _article(registry, ARTICLE)
    for name in order:
        sheets.add_party(registry, name, "person")
        time.sleep(0.002)  # ids are time-ordered: a later party gets a larger id
    _adopt(registry, work, [{"party": n, "role": "creator", "share": "1/3"} for n in ("Cy", "Dee", "Ann")])
    return work


def test_two_registries_with_the_same_names_pay_the_same_per_name(registry, tmp_path):
    other = Registry.open(Settings(data_dir=tmp_path / "other", database_url=f"sqlite:///{tmp_path / 'other.sqlite3'}",
                                   load_samples=False))
    try:
        first, second = _world(registry, ["Cy", "Dee", "Ann"]), _world(other, ["Ann", "Dee", "Cy"])
        ids = [{p["name"]: p["party_id"] for p in sheets.list_parties(r)} for r in (registry, other)]
        assert sorted(ids[0], key=ids[0].get) != sorted(ids[1], key=ids[1].get)  # the ids sort differently
        for amount in ("1.00", "0.02", "0.01", "1000.00"):
            paid = [_amounts(ledger.record_revenue(r, w, amount, "USD", TODAY.isoformat(), preview=True))
                    for r, w in ((registry, first), (other, second))]
            assert paid[0] == paid[1]
        # 1.00 in thirds: the spare cent to the first name, Ann; 0.02: Ann and Cy
        assert _amounts(ledger.record_revenue(registry, first, "1.00", "USD", TODAY.isoformat())) == \
            {"Ann": 34, "Cy": 33, "Dee": 33}
        assert _amounts(ledger.record_revenue(other, second, "0.02", "USD", TODAY.isoformat())) == \
            {"Ann": 1, "Cy": 1, "Dee": 0}
    finally:
        other.close()


# -- 6. errors name parties by name ---------------------------------------------------------------


def test_a_stored_sheet_missing_a_signature_is_reported_with_the_partys_name(registry, works):
    parent = works[0]
    with registry.db.writing() as session:  # a damaged row: Bo's signature gone
        row = session.exec(select(SheetVersionRow).where(SheetVersionRow.work_id == parent)).one()
        version = json.loads(row.version_json)
        version["signatures"] = [s for s in version["signatures"] if s["party_id"] != _party_id(registry, "Bo")]
        row.version_json = json.dumps(version)
        session.add(row)
    with pytest.raises(InvalidInputError) as caught:
        ledger.record_revenue(registry, works[1], "1.00", "USD", TODAY.isoformat())
    assert "lacks the signature of 'Bo'" in str(caught.value)
    assert _party_id(registry, "Bo") not in str(caught.value)
    assert caught.value.details["rule"] == "UnsignedAmendmentError"


def _party_id(registry, name: str) -> str:
    return next(p["party_id"] for p in sheets.list_parties(registry) if p["name"] == name)


# -- 7. reversals need a reason -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "needs a reason"),
        ("   ", "needs a reason"),
        (None, "needs a reason"),
        ("x" * 501, "501 characters long, expected at most 500"),
    ],
    ids=["empty", "blank", "none", "too-long"],
)
def test_a_reversal_without_a_good_reason_is_refused(registry, works, reason, message):
    entry = ledger.record_revenue(registry, works[1], "1.00", "USD", TODAY.isoformat())
    before = _state(registry)
    with pytest.raises(InvalidInputError, match=message):
        ledger.reverse_entry(registry, entry["entry_id"], reason=reason)
    assert _state(registry) == before


def test_the_reason_is_in_the_log_leaf_and_the_entry(registry, works):
    entry = ledger.record_revenue(registry, works[1], "1.00", "USD", TODAY.isoformat())
    reason = "  " + "duplicate statement line from the distributor: ".ljust(500, "x") + "  "  # 500 once stripped
    reversal = ledger.reverse_entry(registry, entry["entry_id"], reason=reason)
    assert reversal["reason"] == reason.strip() and len(reason.strip()) == 500
    leaf = _leaf(registry, reversal["log_index"])
    digest = hashlib.sha256(reason.strip().encode()).hexdigest()
    assert (leaf["kind"], leaf["reason_sha256"], leaf["reverses_log_index"]) == ("reversal", digest, entry["log_index"])
    assert reason.strip() not in json.dumps(leaf), "the log keeps only the reason's digest"
    assert _leaf(registry, entry["log_index"])["reason_sha256"] is None
    listed = {e["entry_id"]: e for e in ledger.list_entries(registry)}
    assert listed[reversal["entry_id"]]["reason"] == reason.strip()
    assert listed[entry["entry_id"]]["reason"] is None
    with pytest.raises(TypeError):
        ledger.reverse_entry(registry, entry["entry_id"])  # the reason is a required keyword


def test_entries_of_one_organisations_works(registry, works):
    entry = ledger.record_revenue(registry, works[1], "1.00", "USD", TODAY.isoformat())
    assert [e["entry_id"] for e in ledger.list_entries(registry)] == [entry["entry_id"]]
    assert ledger.list_entries(registry, org_id="another-organisation") == []
