"""Invariants over random sheets, graphs, amounts and currencies (hypothesis).

Conservation (payouts sum exactly to the amount), the one-unit bound, independence from listing
order, and graph flows checked against a naive path-by-path recursion, for chains up to the depth
limit, diamonds, and random mixed relative/absolute graphs. Amounts go up to the limit
(2^53 - 1 minor units), and every number in a payout's JSON form stays within it, so a canonical
(RFC 8785) record can carry it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revenue.allocate import allocate_largest_remainder
from revenue.errors import RoyaltyStackError
from revenue.graph import MAX_DEPTH, DerivativeGraph, Model, WorkNode
from revenue.money import CURRENCY_EXPONENTS, MAX_AMOUNT_MINOR, Money
from revenue.payout import Payout, Resale, RevenueEvent, payout
from revenue.shares import DataProviderPool, Party, Role, SplitSheet, bps
from revenue.versions import SheetHistory

F = Fraction
ON = date(2025, 6, 1)
PAYEES = [f"party-{i}" for i in range(10)]  # few names, so one person often sits on several sheets
CURRENCIES = sorted(CURRENCY_EXPONENTS)
amounts = st.one_of(st.integers(0, 1000), st.integers(0, MAX_AMOUNT_MINOR), st.just(MAX_AMOUNT_MINOR))


@st.composite
def positive_shares(draw, count: int) -> list[Fraction]:
    """``count`` shares > 0 summing to exactly 1: basis points, or integer weights made exact fractions."""
    if draw(st.booleans()):
        cuts = sorted(draw(st.sets(st.integers(1, 9999), min_size=count - 1, max_size=count - 1)))
        bounds = [0, *cuts, 10_000]
        return [bps(high - low) for low, high in zip(bounds, bounds[1:], strict=False)]
    weights = draw(st.lists(st.integers(1, 10**6), min_size=count, max_size=count))
    return [F(w, sum(weights)) for w in weights]


@st.composite
def split_sheets(draw) -> SplitSheet:
    count = draw(st.integers(1, 6))
    names = draw(st.lists(st.sampled_from(PAYEES), min_size=count, max_size=count, unique=True))
    shares = draw(positive_shares(count + 1 if draw(st.booleans()) else count))
    slots: list[Party | DataProviderPool] = [
        Party(name, draw(st.sampled_from(Role)), share) for name, share in zip(names, shares, strict=False)
    ]
    if len(shares) > count:  # the extra share goes to a pool of data providers
        members = draw(st.dictionaries(st.sampled_from([f"provider-{i}" for i in range(5)]), st.integers(1, 50),
                                       min_size=1, max_size=5))
        slots.append(DataProviderPool("pool", shares[-1], members))
    return SplitSheet(draw(st.permutations(slots)))


@st.composite
def parent_edges(draw, candidates: list[str]) -> dict[str, Fraction]:
    parents = draw(st.lists(st.sampled_from(candidates), unique=True, max_size=min(4, len(candidates))))
    if not parents:
        return {}
    shares = draw(positive_shares(len(parents) + 1))  # the last share is what the work keeps ...
    if draw(st.integers(0, 9)) == 0:  # ... but sometimes everything flows up
        shares = draw(positive_shares(len(parents)))
    return dict(zip(parents, shares, strict=False))


def adopted(work_id: str, sheet: SplitSheet) -> SheetHistory:
    amendment = SheetHistory(work_id).propose(sheet, date(2025, 1, 1))
    for party in sorted(amendment.required):
        amendment = amendment.sign(party, datetime(2025, 1, 1, tzinfo=UTC))
    return SheetHistory(work_id).adopt(amendment)


@st.composite
def worlds(draw, max_works: int = 7) -> tuple[list[WorkNode], dict[str, SplitSheet]]:
    """A random DAG (each work may derive from any earlier one: chains, diamonds, mixed models) and sheets."""
    nodes: list[WorkNode] = []
    for i in range(draw(st.integers(1, max_works))):
        nodes.append(WorkNode(f"w{i}", draw(parent_edges([n.work_id for n in nodes])) if nodes else {},
                              draw(st.sampled_from(Model)), draw(st.integers(0, 10_000))))
    return nodes, {node.work_id: draw(split_sheets()) for node in nodes}


def check_lines(result: Payout, amount: int) -> None:
    assert sum(line.amount_minor for line in result.lines) == amount  # conservation
    assert sum(line.share for line in result.lines) == 1
    for line in result.lines:
        assert line.exact_minor == amount * line.share
        assert math.floor(line.exact_minor) <= line.amount_minor <= math.floor(line.exact_minor) + 1  # one-unit bound
        assert abs(line.amount_minor - line.exact_minor) < 1
    assert [line.payee for line in result.lines] == sorted(line.payee for line in result.lines)
    check_json_numbers(result.to_dict())


def check_json_numbers(value: object) -> None:
    """Every number is an int within I-JSON's exact range (what RFC 8785 accepts); fractions are text."""
    if isinstance(value, dict):
        for item in value.values():
            check_json_numbers(item)
    elif isinstance(value, list):
        for item in value:
            check_json_numbers(item)
    else:
        assert value is None or isinstance(value, str | bool) or (type(value) is int and abs(value) <= MAX_AMOUNT_MINOR)


# --- allocation alone ----------------------------------------------------------------------


@given(amount=amounts, raw=st.lists(st.integers(0, 10**9), min_size=1, max_size=40).filter(any), data=st.data())
@settings(max_examples=300, deadline=None)
def test_allocation_conserves_bounds_and_ignores_order(amount: int, raw: list[int], data) -> None:
    weights = {f"p{i:02d}": F(w, sum(raw)) for i, w in enumerate(raw)}
    result = allocate_largest_remainder(amount, weights)
    assert sum(result.values()) == amount
    exact = {p: amount * w for p, w in weights.items()}
    assert all(math.floor(exact[p]) <= result[p] <= math.floor(exact[p]) + 1 for p in weights)
    # the extra units went to the largest remainders: nobody left out had a larger one
    bumped = [exact[p] - math.floor(exact[p]) for p in weights if result[p] > math.floor(exact[p])]
    skipped = [exact[p] - math.floor(exact[p]) for p in weights if result[p] == math.floor(exact[p])]
    assert not bumped or not skipped or min(bumped) >= max(skipped)
    shuffled = dict(data.draw(st.permutations(list(weights.items()))))
    assert allocate_largest_remainder(amount, shuffled) == result


@given(amount=amounts, raw=st.lists(st.integers(0, 10**6), min_size=1, max_size=12).filter(any), data=st.data())
@settings(max_examples=300, deadline=None)
def test_allocation_by_name_ignores_ids(amount: int, raw: list[int], data) -> None:
    # two registries, the same names, different generated ids: the same units per name
    names = [f"name-{i}" for i in range(len(raw))]
    first = data.draw(st.lists(st.text(min_size=1, max_size=8), min_size=len(raw), max_size=len(raw), unique=True))
    second = data.draw(st.permutations(first))  # the same ids, dealt to other names
    results = []
    for ids in (first, second):
        weights = {pid: F(w, sum(raw)) for pid, w in zip(ids, raw, strict=True)}
        units = allocate_largest_remainder(amount, weights, names=dict(zip(ids, names, strict=True)))
        assert sum(units.values()) == amount
        assert all(math.floor(amount * weights[p]) <= units[p] <= math.floor(amount * weights[p]) + 1 for p in ids)
        results.append({name: units[pid] for pid, name in zip(ids, names, strict=True)})
    assert results[0] == results[1]


# --- whole payouts over random graphs ------------------------------------------------------


def naive_stack(nodes: dict[str, WorkNode], work: str) -> dict[str, Fraction]:
    """Ancestor -> the sum of the edge shares pointing at it from ``work`` and its ancestors."""
    ancestry, todo = {work}, [work]
    while todo:
        for parent in nodes[todo.pop()].parents:
            if parent not in ancestry:
                ancestry.add(parent)
                todo.append(parent)
    raw: dict[str, Fraction] = defaultdict(Fraction)
    for child in ancestry:
        for parent, share in nodes[child].parents.items():
            raw[parent] += share
    return raw


def naive_flows(nodes: dict[str, WorkNode], work: str, amount: Fraction, kept: dict[str, Fraction]) -> None:
    """The flow rules read literally, one path at a time (exponential, fine for small graphs)."""
    node = nodes[work]
    if node.model is Model.ABSOLUTE:
        raw = naive_stack(nodes, work)
        for ancestor, share in raw.items():
            kept[ancestor] += amount * share
        kept[work] += amount * (1 - sum(raw.values(), F(0)))
        return
    kept[work] += amount * (1 - sum(node.parents.values(), F(0)))
    for parent, share in node.parents.items():
        naive_flows(nodes, parent, amount * share, kept)


@given(world=worlds(), amount=amounts, currency=st.sampled_from(CURRENCIES), data=st.data())
@settings(max_examples=200, deadline=None)
def test_payouts_over_random_graphs(world, amount: int, currency: str, data) -> None:
    nodes, sheets = world
    by_id = {n.work_id: n for n in nodes}
    over = [n.work_id for n in nodes if n.model is Model.ABSOLUTE and sum(naive_stack(by_id, n.work_id).values()) > 1]
    if over:  # refused iff some absolute work promises its ancestors more than 100%
        with pytest.raises(RoyaltyStackError, match=f"work {over[0]!r} uses the absolute model"):
            DerivativeGraph(nodes)
        return
    graph = DerivativeGraph(nodes)
    histories = {work: adopted(work, sheet) for work, sheet in sheets.items()}
    work = data.draw(st.sampled_from([n.work_id for n in nodes]))

    kept: dict[str, Fraction] = defaultdict(Fraction)
    naive_flows(by_id, work, F(1), kept)
    assert graph.flows(work) == {w: part for w, part in sorted(kept.items()) if part}

    # ties by name when names are given: any names, as long as every payee has one
    everyone = [*PAYEES, *(f"provider-{i}" for i in range(5)), "seller", "market"]
    names = dict(zip(everyone, data.draw(st.permutations([f"name-{i:02d}" for i in range(len(everyone))])), strict=True))
    named = data.draw(st.booleans())
    result = payout(RevenueEvent(work, Money(amount, currency), ON), graph=graph, sheets=histories,
                    names=names if named else None)
    check_lines(result, amount)

    # the same world listed in another order pays exactly the same
    reordered_graph = DerivativeGraph(data.draw(st.permutations(nodes)))
    reordered = {w: adopted(w, SplitSheet(reversed(s.slots))) for w, s in sheets.items()}
    again = payout(RevenueEvent(work, Money(amount, currency), ON), graph=reordered_graph, sheets=reordered,
                   names=dict(reversed(names.items())) if named else None)
    assert again == result

    royalty = by_id[work].resale_royalty_bps
    fee = data.draw(st.integers(0, 10_000 - royalty))
    marketplace = data.draw(st.sampled_from(["market", "seller", PAYEES[0]])) if fee or data.draw(st.booleans()) else None
    sale = Resale(work, Money(amount, currency), "seller", ON, marketplace=marketplace, marketplace_fee_bps=fee)
    resale = payout(sale, graph=graph, sheets=histories, names=names if named else None)
    check_lines(resale, amount)
    assert resale.resale.eip2981_minor <= resale.resale.exact_minor < resale.resale.eip2981_minor + 1
    assert Payout.from_dict(resale.to_dict()) == resale


@given(edges=st.lists(st.integers(1, 10_000), min_size=0, max_size=MAX_DEPTH), amount=amounts,
       currency=st.sampled_from(CURRENCIES))
@settings(max_examples=100, deadline=None)
def test_chains_up_to_the_depth_limit(edges: list[int], amount: int, currency: str) -> None:
    nodes = [WorkNode("w0")] + [WorkNode(f"w{i + 1}", {f"w{i}": bps(e)}) for i, e in enumerate(edges)]
    graph = DerivativeGraph(nodes)
    bottom = nodes[-1].work_id
    assert graph.depth(bottom) == len(edges)
    assert graph.flows(bottom).get("w0", F(0)) == math.prod((bps(e) for e in edges), start=F(1))  # product along the path
    histories = {n.work_id: adopted(n.work_id, SplitSheet([Party(f"owner-{n.work_id}", Role.CREATOR, F(1))])) for n in nodes}
    check_lines(payout(RevenueEvent(bottom, Money(amount, currency), ON), graph=graph, sheets=histories), amount)


@given(left=st.integers(1, 5000), right=st.integers(1, 5000), up_left=st.integers(1, 10_000),
       up_right=st.integers(1, 10_000), amount=amounts)
@settings(max_examples=100, deadline=None)
def test_diamond_sums_both_paths(left: int, right: int, up_left: int, up_right: int, amount: int) -> None:
    graph = DerivativeGraph([WorkNode("top"), WorkNode("l", {"top": bps(up_left)}), WorkNode("r", {"top": bps(up_right)}),
                             WorkNode("bottom", {"l": bps(left), "r": bps(right)})])
    flows = graph.flows("bottom")
    assert flows.get("top", F(0)) == bps(left) * bps(up_left) + bps(right) * bps(up_right)
    assert sum(flows.values()) == 1
    histories = {w: adopted(w, SplitSheet([Party("same-person", Role.CREATOR, F(1))])) for w in ("top", "l", "r", "bottom")}
    result = payout(RevenueEvent("bottom", Money(amount, "USD"), ON), graph=graph, sheets=histories)
    assert [(line.payee, line.amount_minor) for line in result.lines] == [("same-person", amount)]
