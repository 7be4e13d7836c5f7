"""Payouts by hand: chains, diamonds, absolute stacks, resales, versions by date, currencies."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

import pytest

from revenue.errors import DerivationError, InvalidShareError, RevenueError, UnknownPartyError, VersionError
from revenue.graph import DerivativeGraph, Model, WorkNode
from revenue.money import Money, parse_amount
from revenue.payout import Payout, Resale, RevenueEvent, Source, payout
from revenue.shares import DataProviderPool, Party, Role, SplitSheet, bps

F = Fraction
ON = date(2025, 6, 1)


def units(result: Payout) -> dict[str, int]:
    return {line.payee: line.amount_minor for line in result.lines}


def test_two_level_relative_chain_in_cents(build) -> None:
    # remix2 -> remix 30%, remix -> song 25%. $10.01 = 1001 cents.
    # exact: ed, fiona 35% = 350.35 each; carol 3/10*3/4*2/3 = 15% = 150.15; dan 7.5% = 75.075; ann 7.5% = 75.075
    # floors sum to 1000; the one cent left goes to the larger remainder .35, tied ed/fiona -> ed by id.
    # (Flooring per hop instead, like on-chain splitters, pays 1000 and abandons that cent.)
    graph = DerivativeGraph([WorkNode("song"), WorkNode("remix", {"song": bps(2500)}),
                             WorkNode("remix2", {"remix": bps(3000)})])
    sheets = build.histories({"song": {"ann": 10_000}, "remix": {"carol": F(2, 3), "dan": F(1, 3)},
                              "remix2": {"ed": 5000, "fiona": 5000}})
    result = payout(RevenueEvent("remix2", parse_amount("10.01", "USD"), ON), graph=graph, sheets=sheets)
    assert units(result) == {"ann": 75, "carol": 150, "dan": 75, "ed": 351, "fiona": 350}
    assert result.line("carol").share == F(3, 20)
    assert result.line("dan").exact_minor == F(3003, 40)  # 75.075
    assert result.line("ann").sources == (Source("song", 1, F(3, 40)),)
    assert result.sheet_versions == {"remix": 1, "remix2": 1, "song": 1}


def test_diamond_sums_its_paths(build) -> None:
    # d -> b 10%, d -> c 20%, b -> a 50%, c -> a 25%: d 70%, b 5%, c 15%, a 5% + 5% = 10%.
    # 999 JPY: 699.3 / 49.95 / 149.85 / 99.9 -> floors 996, 3 yen to remainders .95 (b), .9 (a), .85 (c).
    graph = DerivativeGraph([WorkNode("a"), WorkNode("b", {"a": bps(5000)}), WorkNode("c", {"a": bps(2500)}),
                             WorkNode("d", {"b": bps(1000), "c": bps(2000)})])
    sheets = build.histories({w: {f"{w}-owner": 10_000} for w in "abcd"})
    result = payout(RevenueEvent("d", Money(999, "JPY"), ON), graph=graph, sheets=sheets)
    assert units(result) == {"a-owner": 100, "b-owner": 50, "c-owner": 150, "d-owner": 699}
    assert result.line("a-owner").share == F(1, 10)


def test_one_person_on_several_sheets_gets_one_line(build) -> None:
    # zoe owns half of both b and d in the diamond: 1/2 * 5% + 1/2 * 70% = 37.5%, one allocation, two sources
    graph = DerivativeGraph([WorkNode("a"), WorkNode("b", {"a": bps(5000)}), WorkNode("c", {"a": bps(2500)}),
                             WorkNode("d", {"b": bps(1000), "c": bps(2000)})])
    sheets = build.histories({"a": {"x": 10_000}, "b": {"zoe": 5000, "y": 5000}, "c": {"w": 10_000},
                              "d": {"zoe": 5000, "v": 5000}})
    result = payout(RevenueEvent("d", Money(1000, "EUR"), ON), graph=graph, sheets=sheets)
    zoe = result.line("zoe")
    assert (zoe.amount_minor, zoe.share) == (375, F(3, 8))
    assert zoe.sources == (Source("b", 1, F(1, 40)), Source("d", 1, F(7, 20)))


def test_absolute_stack_of_exactly_100_percent(build) -> None:
    # c is absolute: b 3/7 + a 4/7 = 100% -> c keeps nothing (its sheet is not used).
    # $100.00: b 4285.71, a 5714.29 -> floors 9999, the cent to the larger remainder .71 (b).
    graph = DerivativeGraph([WorkNode("a"), WorkNode("b", {"a": F(4, 7)}),
                             WorkNode("c", {"b": F(3, 7)}, Model.ABSOLUTE)])
    sheets = build.histories({"a": {"ann": 10_000}, "b": {"bo": 10_000}, "c": {"cy": 10_000}})
    result = payout(RevenueEvent("c", Money(10_000, "USD"), ON), graph=graph, sheets=sheets)
    assert units(result) == {"ann": 5714, "bo": 4286}
    assert result.sheet_versions == {"a": 1, "b": 1}


def test_bhd_three_decimals(build) -> None:
    # 1.000 BHD = 1000 fils in thirds -> 0.334 / 0.333 / 0.333
    graph = DerivativeGraph([WorkNode("w")])
    sheets = build.histories({"w": {"x": F(1, 3), "y": F(1, 3), "z": F(1, 3)}})
    result = payout(RevenueEvent("w", parse_amount("1.000", "BHD"), ON), graph=graph, sheets=sheets)
    assert [line["amount"] for line in result.to_dict()["lines"]] == ["0.334", "0.333", "0.333"]


def test_pool_members_are_paid_by_weight(build) -> None:
    # a 30% pool weighted 2:1 -> 20% and 10% of 50 KRW = 10 and 5; the creator 70% = 35
    sheet = SplitSheet([Party("me", Role.CREATOR, bps(7000)), DataProviderPool("data", bps(3000), {"p": 2, "q": 1})])
    sheets = {"w": build.history("w", sheet)}
    result = payout(RevenueEvent("w", Money(50, "KRW"), ON), graph=DerivativeGraph([WorkNode("w")]), sheets=sheets)
    assert units(result) == {"me": 35, "p": 10, "q": 5}


def test_resale_royalty_with_eip2981_figure(build) -> None:
    # remix (royalty 750 bps) -> song 25%; resold by sam for 0.99 USD.
    # royalty exact 99 * 7.5% = 7.425 cents; EIP-2981 says floor(99 * 750 / 10000) = 7.
    # weights: bo, cy 3/40*3/4*1/2 = 9/320 (2.784 each), ann 3/40*1/4 = 3/160 (1.856), sam 37/40 (91.575)
    # floors 96; 3 cents to remainders .856 (ann), .784 (bo), .784 (cy).
    graph = DerivativeGraph([WorkNode("song"), WorkNode("remix", {"song": bps(2500)}, resale_royalty_bps=750)])
    sheets = build.histories({"song": {"ann": 10_000}, "remix": {"bo": 5000, "cy": 5000}})
    result = payout(Resale("remix", Money(99, "USD"), "sam", ON), graph=graph, sheets=sheets)
    assert units(result) == {"ann": 2, "bo": 3, "cy": 3, "sam": 91}
    assert result.resale.exact_minor == F(297, 40)  # 7.425
    assert result.resale.eip2981_minor == 7
    assert result.line("sam").sources == (Source("remix", None, F(37, 40)),)
    assert result.line("bo").share == F(9, 320)


def song_and_remix(royalty_bps: int = 1000) -> DerivativeGraph:
    return DerivativeGraph([WorkNode("song"), WorkNode("remix", {"song": bps(2500)}, resale_royalty_bps=royalty_bps)])


@pytest.mark.parametrize(
    ("seller", "marketplace", "fee", "names", "expected"),
    [
        # 10.00 resold, royalty 10% = 100 (ann 25, bo 37.5, cy 37.5), fee 2.5% = 25 to mkt, sam the other 875;
        # the cent left over ties bo and cy (.5 each): by id, bo
        ("sam", "mkt", 250, None, {"ann": 25, "bo": 38, "cy": 37, "mkt": 25, "sam": 875}),
        # the same tie by name: cy is "Amy", bo is "Zed"
        ("sam", "mkt", 250, {"ann": "Ann", "bo": "Zed", "cy": "Amy", "mkt": "Market", "sam": "Sam"},
         {"ann": 25, "bo": 37, "cy": 38, "mkt": 25, "sam": 875}),
        # no marketplace: the seller keeps everything but the royalty
        ("sam", None, 0, None, {"ann": 25, "bo": 38, "cy": 37, "sam": 900}),
        # a marketplace named without a fee earns nothing and gets no line
        ("sam", "mkt", 0, None, {"ann": 25, "bo": 38, "cy": 37, "sam": 900}),
        # royalty 10% + fee 90%: nothing left for the seller, who gets no line
        ("sam", "mkt", 9000, None, {"ann": 25, "bo": 38, "cy": 37, "mkt": 900}),
        # the marketplace sells its own copy: fee and proceeds are one line
        ("mkt", "mkt", 250, None, {"ann": 25, "bo": 38, "cy": 37, "mkt": 900}),
        # a party of the split is the marketplace: royalty and fee are one line
        ("sam", "bo", 250, None, {"ann": 25, "bo": 63, "cy": 37, "sam": 875}),
    ],
    ids=["fee", "fee-tie-by-name", "no-marketplace", "marketplace-without-fee", "no-proceeds", "marketplace-sells",
         "split-party-is-marketplace"],
)
def test_resale_with_a_marketplace_fee(build, seller, marketplace, fee, names, expected) -> None:
    sheets = build.histories({"song": {"ann": 10_000}, "remix": {"bo": 5000, "cy": 5000}})
    event = Resale("remix", Money(1000, "USD"), seller, ON, "ev", marketplace=marketplace, marketplace_fee_bps=fee)
    result = payout(event, graph=song_and_remix(), sheets=sheets, names=names)
    assert units(result) == expected
    assert (result.resale.royalty_bps, result.resale.exact_minor, result.resale.eip2981_minor) == (1000, 100, 100)
    if fee and marketplace != seller and marketplace == "mkt":
        assert result.line("mkt").sources == (Source("remix", None, F(fee, 10_000), "fee"),)
        assert result.line("mkt").exact_minor == F(1000 * fee, 10_000)
    assert Payout.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_marketplace_fee_fields_in_json(build) -> None:
    sheets = build.histories({"song": {"ann": 10_000}, "remix": {"bo": 5000, "cy": 5000}})
    event = Resale("remix", Money(1000, "USD"), "sam", ON, "ev", marketplace="mkt", marketplace_fee_bps=250)
    data = payout(event, graph=song_and_remix(), sheets=sheets).to_dict()
    assert {k: data["event"][k] for k in ("seller", "marketplace", "marketplace_fee_bps")} == \
        {"seller": "sam", "marketplace": "mkt", "marketplace_fee_bps": 250}
    assert [line["sources"] for line in data["lines"] if line["payee"] == "mkt"] == \
        [[{"work_id": "remix", "sheet_version": None, "share": "1/40", "part": "fee"}]]


def test_a_stored_resale_without_marketplace_fields_still_loads(build) -> None:
    # written before marketplace fees existed: no marketplace keys in the event, no "part" in sources
    sheets = build.histories({"song": {"ann": 10_000}, "remix": {"bo": 5000, "cy": 5000}})
    old = payout(Resale("remix", Money(99, "USD"), "sam", ON, "ev"), graph=song_and_remix(), sheets=sheets).to_dict()
    assert "marketplace" not in old["event"] and all("part" not in s for line in old["lines"] for s in line["sources"])
    loaded = Payout.from_dict(old)
    assert (loaded.event.marketplace, loaded.event.marketplace_fee_bps) == (None, 0)
    assert loaded.line("sam").sources == (Source("remix", None, F(9, 10)),)  # the seller's proceeds
    assert loaded.line("sam").sources[0].part == "sale" and loaded.line("ann").sources[0].part == "split"
    assert loaded.to_dict() == old  # read back and written again: the same canonical record


@pytest.mark.parametrize(
    ("royalty", "make", "error", "message"),
    [
        # the work's royalty and the fee together may not take more than the price
        (9000, lambda: Resale("remix", Money(100, "USD"), "sam", ON, marketplace="mkt", marketplace_fee_bps=1001),
         InvalidShareError, "resale of work 'remix': royalty 9,000 bps and marketplace fee 1,001 bps sum to "
                            "10,001 bps, expected at most 10,000 bps"),
        (0, lambda: Resale("remix", Money(100, "USD"), "sam", ON, marketplace="mkt", marketplace_fee_bps=10_001),
         InvalidShareError, "marketplace fee of a resale of work 'remix' is 10001, expected an int from 0 to 10,000 bps"),
        (0, lambda: Resale("remix", Money(100, "USD"), "sam", ON, marketplace="mkt", marketplace_fee_bps=-1),
         InvalidShareError, "expected an int from 0 to 10,000"),
        (0, lambda: Resale("remix", Money(100, "USD"), "sam", ON, marketplace="mkt", marketplace_fee_bps=2.5),
         InvalidShareError, "expected an int"),
        (0, lambda: Resale("remix", Money(100, "USD"), "sam", ON, marketplace_fee_bps=250),
         UnknownPartyError, "a marketplace fee of 250 bps needs the marketplace it is paid to"),
        (0, lambda: Resale("remix", Money(100, "USD"), "sam", ON, marketplace="", marketplace_fee_bps=250),
         UnknownPartyError, "marketplace must be a party id"),
    ],
    ids=["royalty-plus-fee-over-100", "fee-over-100", "negative-fee", "float-fee", "fee-without-marketplace",
         "empty-marketplace"],
)
def test_bad_marketplace_fees(build, royalty, make, error, message) -> None:
    sheets = build.histories({"song": {"ann": 10_000}, "remix": {"bo": 5000, "cy": 5000}})
    with pytest.raises(error, match=message):
        payout(make(), graph=song_and_remix(royalty), sheets=sheets)


@pytest.mark.parametrize(
    "event",
    [
        RevenueEvent("remix", Money(0, "USD"), ON),
        Resale("remix", Money(0, "USD"), "sam", ON),
        Resale("remix", Money(0, "USD"), "sam", ON, marketplace="mkt", marketplace_fee_bps=250),
    ],
    ids=["revenue", "resale", "resale-with-fee"],
)
def test_a_zero_amount_pays_zero_to_every_payee(build, event) -> None:
    sheets = build.histories({"song": {"ann": 10_000}, "remix": {"bo": 5000, "cy": 5000}})
    result = payout(event, graph=song_and_remix(), sheets=sheets)
    expected = {"ann", "bo", "cy"} | ({"sam"} if isinstance(event, Resale) else set()) | \
        ({"mkt"} if isinstance(event, Resale) and event.marketplace else set())
    assert units(result) == dict.fromkeys(sorted(expected), 0)
    assert sum(line.share for line in result.lines) == 1  # the shares are there, the amounts are zero
    assert Payout.from_dict(result.to_dict()) == result


def test_ties_go_by_the_names_given(build) -> None:
    # 1.00 in thirds: one cent left, three equal remainders; by id "p1", by name "Ann" (p3)
    graph = DerivativeGraph([WorkNode("w")])
    sheets = build.histories({"w": {"p1": F(1, 3), "p2": F(1, 3), "p3": F(1, 3)}})
    event = RevenueEvent("w", Money(100, "USD"), ON)
    assert units(payout(event, graph=graph, sheets=sheets)) == {"p1": 34, "p2": 33, "p3": 33}
    named = payout(event, graph=graph, sheets=sheets, names={"p1": "Cy", "p2": "Bo", "p3": "Ann"})
    assert units(named) == {"p1": 33, "p2": 33, "p3": 34}
    with pytest.raises(UnknownPartyError, match="no name for payee 'p3'"):
        payout(event, graph=graph, sheets=sheets, names={"p1": "Cy", "p2": "Bo"})


def test_resale_by_a_party_of_the_split(build) -> None:
    # the creator resells her own work: 10% royalty to her sheet (100% hers) + 90% as seller = one line
    graph = DerivativeGraph([WorkNode("w", resale_royalty_bps=1000)])
    result = payout(Resale("w", Money(500, "GBP"), "ann", ON), graph=graph, sheets=build.histories({"w": {"ann": 10_000}}))
    assert units(result) == {"ann": 500}
    assert [s.sheet_version for s in result.line("ann").sources] == [1, None]


def test_resale_without_royalty_needs_no_sheet() -> None:
    result = payout(Resale("w", Money(500, "GBP"), "sam", ON), graph=DerivativeGraph([WorkNode("w")]), sheets={})
    assert units(result) == {"sam": 500}
    assert (result.resale.exact_minor, result.resale.eip2981_minor) == (0, 0)


@pytest.mark.parametrize(
    ("earned_on", "expected", "version"),
    [
        (date(2025, 2, 28), {"alice": 1000}, 1),  # the day before version 2: version 1
        (date(2025, 3, 1), {"alice": 500, "bob": 500}, 2),  # version 2's first day
    ],
    ids=["before-amendment", "after-amendment"],
)
def test_uses_the_version_in_force_on_the_date_earned(build, earned_on, expected, version) -> None:
    history = build.signed(build.history("w", {"alice": 10_000}), build.sheet({"alice": 5000, "bob": 5000}),
                           date(2025, 3, 1), date(2025, 2, 1))
    result = payout(RevenueEvent("w", Money(1000, "USD"), earned_on), graph=DerivativeGraph([WorkNode("w")]),
                    sheets={"w": history})
    assert units(result) == expected
    assert result.sheet_versions == {"w": version}


@pytest.mark.parametrize(
    ("event", "sheets", "error", "message"),
    [
        # earned before the first version took effect (2025-01-01)
        (RevenueEvent("w", Money(1, "USD"), date(2024, 12, 31)), "both", VersionError, "no split sheet in force"),
        # the parent that receives 1% has no sheet at all
        (RevenueEvent("w", Money(1, "USD"), ON), "w-only", VersionError, "work 'p' has no split sheet"),
        # a work missing from the graph
        (RevenueEvent("x", Money(1, "USD"), ON), "both", DerivationError, "'x' is not in the derivative graph"),
        # the history under key 'w' is another work's
        (RevenueEvent("w", Money(1, "USD"), ON), "mixed-up", VersionError, "belongs to work 'other'"),
    ],
    ids=["before-first-version", "missing-sheet", "unknown-work", "wrong-history"],
)
def test_payout_errors(build, event, sheets, error, message) -> None:
    graph = DerivativeGraph([WorkNode("p"), WorkNode("w", {"p": bps(100)})])
    histories = {"w": build.history("other" if sheets == "mixed-up" else "w", {"a": 10_000})}
    if sheets != "w-only":
        histories["p"] = build.history("p", {"a": 10_000})
    with pytest.raises(error, match=message):
        payout(event, graph=graph, sheets=histories)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: RevenueEvent("w", 100, ON), "must be Money"),  # a bare number
        (lambda: RevenueEvent("w", Money(1, "USD"), "2025-06-01"), "date the revenue was earned"),
        (lambda: RevenueEvent("", Money(1, "USD"), ON), "must name its work"),
        (lambda: Resale("w", Money(1, "USD"), "", ON), "must name its seller"),
    ],
    ids=["amount-not-money", "date-as-text", "no-work", "no-seller"],
)
def test_bad_events(make, message) -> None:
    with pytest.raises(RevenueError, match=message):
        make()


def test_payout_round_trips_through_json(build) -> None:
    graph = DerivativeGraph([WorkNode("song"), WorkNode("remix", {"song": bps(2500)}, resale_royalty_bps=750)])
    sheets = build.histories({"song": {"ann": 10_000}, "remix": {"bo": 5000, "cy": 5000}})
    for event in (RevenueEvent("remix", Money(12345, "USD"), ON, "ev-1"), Resale("remix", Money(99, "USD"), "sam", ON, "ev-2")):
        result = payout(event, graph=graph, sheets=sheets)
        data = json.loads(json.dumps(result.to_dict()))
        assert Payout.from_dict(data) == result
        assert sum(line["amount_minor"] for line in data["lines"]) == event.amount.amount_minor


def test_stored_payout_that_does_not_add_up_is_refused(build) -> None:
    result = payout(RevenueEvent("w", Money(100, "USD"), ON), graph=DerivativeGraph([WorkNode("w")]),
                    sheets=build.histories({"w": {"a": 5000, "b": 5000}}))
    data = result.to_dict()
    data["lines"][0]["amount_minor"] += 1  # a tampered ledger row
    with pytest.raises(RevenueError, match="payout lines sum to 101 minor units, expected exactly the event's 100"):
        Payout.from_dict(data)


def test_line_for_an_absent_payee(build) -> None:
    result = payout(RevenueEvent("w", Money(1, "USD"), ON), graph=DerivativeGraph([WorkNode("w")]),
                    sheets=build.histories({"w": {"a": 10_000}}))
    with pytest.raises(UnknownPartyError, match="'z' receives nothing"):
        result.line("z")
