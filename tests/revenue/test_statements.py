"""Party statements per period, as JSON-able dicts and CSV, from past payouts."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from revenue.errors import RevenueError
from revenue.graph import DerivativeGraph, WorkNode
from revenue.money import Money
from revenue.payout import Resale, RevenueEvent, payout
from revenue.shares import bps
from revenue.statements import CSV_COLUMNS, party_statement


@pytest.fixture
def payouts(build):
    graph = DerivativeGraph([WorkNode("song", resale_royalty_bps=1000), WorkNode("remix", {"song": bps(2500)})])
    sheets = build.histories({"song": {"ann": 10_000}, "remix": {"ann": 5000, "bo": 5000}})
    events = [
        RevenueEvent("remix", Money(1000, "USD"), date(2025, 3, 31), "ev-2"),  # ann: 25% + 37.5% = 625
        RevenueEvent("song", Money(300, "JPY"), date(2025, 3, 1), "ev-1"),  # ann: all 300 yen
        Resale("song", Money(2000, "USD"), "sam", date(2025, 3, 15), "ev-3"),  # ann: 10% royalty = 200
        RevenueEvent("song", Money(999, "USD"), date(2025, 4, 1), "ev-4"),  # outside the period
        RevenueEvent("remix", Money(100, "USD"), date(2025, 2, 28), "ev-0"),  # outside the period
    ]
    return [payout(event, graph=graph, sheets=sheets) for event in events]


def test_statement_for_a_period(payouts) -> None:
    statement = party_statement("ann", payouts, period_start=date(2025, 3, 1), period_end=date(2025, 3, 31))
    data = json.loads(json.dumps(statement.to_dict()))  # JSON-able
    assert [e["event_id"] for e in data["entries"]] == ["ev-1", "ev-3", "ev-2"]  # oldest first; both ends inclusive
    assert data["totals"] == {"JPY": {"amount_minor": 300, "amount": "300"},  # never summed across currencies
                              "USD": {"amount_minor": 825, "amount": "8.25"}}
    assert data["entries"][2] == {
        "earned_on": "2025-03-31", "event_id": "ev-2", "kind": "revenue", "work_id": "remix", "currency": "USD",
        "event_amount": "10.00", "amount": "6.25", "amount_minor": 625, "share": "5/8",
        "via": "remix@v1:3/8;song@v1:1/4",
    }
    assert data["entries"][1]["kind"] == "resale" and data["entries"][1]["via"] == "song@v1:1/10"


def test_statement_as_csv(payouts) -> None:
    text = party_statement("ann", payouts, period_start=date(2025, 3, 1), period_end=date(2025, 3, 31)).to_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert [(r["event_id"], r["amount"], r["currency"]) for r in rows] == [
        ("ev-1", "300", "JPY"), ("ev-3", "2.00", "USD"), ("ev-2", "6.25", "USD")]


def test_seller_statement_and_empty_statement(payouts) -> None:
    sam = party_statement("sam", payouts, period_start=date(2025, 1, 1), period_end=date(2025, 12, 31))
    assert sam.totals() == {"USD": 1800} and sam.entries[0].sources[0].sheet_version is None
    assert sam.to_dict()["entries"][0]["via"] == "song@sale:9/10"
    nobody = party_statement("zed", payouts, period_start=date(2025, 1, 1), period_end=date(2025, 12, 31))
    assert nobody.to_dict()["entries"] == [] and nobody.to_csv() == ",".join(CSV_COLUMNS) + "\n"


def test_period_must_not_end_before_it_starts(payouts) -> None:
    with pytest.raises(RevenueError, match="ends on 2025-01-01, before it starts"):
        party_statement("ann", payouts, period_start=date(2025, 2, 1), period_end=date(2025, 1, 1))


def test_marketplace_fee_and_zero_amounts_are_shown(build) -> None:
    graph = DerivativeGraph([WorkNode("song", resale_royalty_bps=1000)])
    sheets = build.histories({"song": {"ann": 10_000}})
    sold = [payout(Resale("song", Money(2000, "USD"), "sam", date(2025, 3, 15), "ev-5", marketplace="mkt",
                          marketplace_fee_bps=500), graph=graph, sheets=sheets),
            payout(Resale("song", Money(0, "USD"), "sam", date(2025, 3, 16), "ev-6", marketplace="mkt",
                          marketplace_fee_bps=500), graph=graph, sheets=sheets)]
    market = party_statement("mkt", sold, period_start=date(2025, 3, 1), period_end=date(2025, 3, 31))
    assert [(e["event_id"], e["amount_minor"], e["via"]) for e in market.to_dict()["entries"]] == [
        ("ev-5", 100, "song@fee:1/20"), ("ev-6", 0, "song@fee:1/20")]  # a zero line is still a line
    assert market.totals() == {"USD": 100}
    assert party_statement("sam", sold, period_start=date(2025, 3, 1), period_end=date(2025, 3, 31)).to_csv() \
        .splitlines()[1:] == ["2025-03-15,ev-5,resale,song,USD,20.00,17.00,1700,17/20,song@sale:17/20",
                              "2025-03-16,ev-6,resale,song,USD,0.00,0.00,0,17/20,song@sale:17/20"]
