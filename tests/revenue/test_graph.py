"""The derivative graph: its rules, and the flows of one unit up relative, absolute and mixed graphs."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from revenue.errors import CycleError, DerivationError, InvalidShareError, RoyaltyStackError
from revenue.graph import MAX_DEPTH, MAX_PARENTS, DerivativeGraph, Model, WorkNode
from revenue.shares import bps

F = Fraction
ABS = Model.ABSOLUTE


def chain(length: int) -> list[WorkNode]:
    """w0 <- w1 <- ... <- w{length}: ``length`` edges of 10% each."""
    return [WorkNode("w0")] + [WorkNode(f"w{i}", {f"w{i - 1}": bps(1000)}) for i in range(1, length + 1)]


def fan(parents: int) -> list[WorkNode]:
    """One child of ``parents`` roots, 1 bp each."""
    roots = [WorkNode(f"p{i:02d}") for i in range(parents)]
    return roots + [WorkNode("child", {r.work_id: bps(1) for r in roots})]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: WorkNode("a", {"a": bps(100)}), CycleError, "names itself as a parent"),  # self-parenting
        (lambda: DerivativeGraph([WorkNode("a", {"b": bps(100)}), WorkNode("b", {"a": bps(100)})]),
         CycleError, "cycle: a -> b -> a"),  # a two-work cycle
        (lambda: DerivativeGraph([WorkNode("a", {"c": bps(1)}), WorkNode("b", {"a": bps(1)}), WorkNode("c", {"b": bps(1)}),
                                  WorkNode("root"), WorkNode("d", {"root": bps(1), "a": bps(1)})]),
         CycleError, "cycle"),  # a three-work cycle beside an innocent branch
        (lambda: DerivativeGraph(chain(MAX_DEPTH + 1)), DerivationError, "17 derivations deep, expected at most 16"),
        (lambda: DerivativeGraph(fan(MAX_PARENTS + 1)), DerivationError, "names 17 parents, expected at most 16"),
        (lambda: WorkNode("a", {"p": bps(6000), "q": bps(4001)}), DerivationError,
         "parent shares of work 'a' sum to 10,001 bps, expected at most 10,000"),  # over 100% on one work
        (lambda: WorkNode("a", {"p": bps(0)}), InvalidShareError, "expected more than 0"),  # a zero edge
        (lambda: WorkNode("a", {"p": 0.1}), InvalidShareError, "exact Fraction"),  # a float edge
        (lambda: DerivativeGraph([WorkNode("a", {"ghost": bps(100)})]), DerivationError, "not in the graph"),
        (lambda: DerivativeGraph([WorkNode("a"), WorkNode("a")]), DerivationError, "appears twice"),
        (lambda: WorkNode("a", resale_royalty_bps=10_001), InvalidShareError, "resale royalty"),
        (lambda: WorkNode("a", model="proportional"), DerivationError, "neither relative nor absolute"),
        (lambda: DerivativeGraph([WorkNode("a")]).node("b"), DerivationError, "'b' is not in the derivative graph"),
    ],
    ids=["self-parent", "cycle-2", "cycle-3", "depth-17", "parents-17", "parents-over-100", "zero-edge",
         "float-edge", "unknown-parent", "duplicate-work", "royalty-over-100", "unknown-model", "unknown-work"],
)
def test_bad_graphs_raise_the_named_error(make, error, message) -> None:
    with pytest.raises(error, match=message):
        make()


def test_limits_themselves_are_allowed() -> None:
    graph = DerivativeGraph(chain(MAX_DEPTH) + fan(MAX_PARENTS))
    assert graph.depth("w16") == 16 and graph.depth("w0") == 0 and graph.depth("child") == 1
    assert len(graph) == 17 + 17 and DerivativeGraph(list(graph)).flows("w16") == graph.flows("w16")
    assert DerivativeGraph([WorkNode("p"), WorkNode("a", {"p": bps(10_000)})]).flows("a") == {"p": 1}


def test_with_work_adds_one_work() -> None:
    graph = DerivativeGraph([WorkNode("a")]).with_work(WorkNode("b", {"a": bps(500)}))
    assert graph.flows("b") == {"a": F(1, 20), "b": F(19, 20)}
    with pytest.raises(DerivationError, match="already in the graph"):
        graph.with_work(WorkNode("a"))


# Diamond used below: d derives from b (10%) and c (20%); b and c both derive from a (50% and 25%).
DIAMOND = {"a": {}, "b": {"a": 5000}, "c": {"a": 2500}, "d": {"b": 1000, "c": 2000}}


def graph_of(edges: dict[str, dict[str, int]], absolute: set[str] = frozenset()) -> DerivativeGraph:
    return DerivativeGraph(
        WorkNode(w, {p: bps(s) for p, s in parents.items()}, ABS if w in absolute else Model.RELATIVE)
        for w, parents in edges.items()
    )


@pytest.mark.parametrize(
    ("edges", "absolute", "start", "flows"),
    [
        # an original keeps everything
        ({"a": {}}, set(), "a", {"a": F(1)}),
        # relative chain: c keeps 90%; b gets 10% and passes 20% of it up: keeps 8%, a gets 2%
        ({"a": {}, "b": {"a": 2000}, "c": {"b": 1000}}, set(), "c", {"a": F(1, 50), "b": F(2, 25), "c": F(9, 10)}),
        # relative diamond: d keeps 70%; b gets 10% (keeps 5%, 5% up); c gets 20% (keeps 15%, 5% up); a sums 10%
        (DIAMOND, set(), "d", {"a": F(1, 10), "b": F(1, 20), "c": F(3, 20), "d": F(7, 10)}),
        # absolute chain: each ancestor its edge share directly: b 10%, a 20%, c keeps 70%
        ({"a": {}, "b": {"a": 2000}, "c": {"b": 1000}}, {"c"}, "c", {"a": F(1, 5), "b": F(1, 10), "c": F(7, 10)}),
        # absolute stack of exactly 100%: b 40% + a 60%, c keeps nothing
        ({"a": {}, "b": {"a": 6000}, "c": {"b": 4000}}, {"c"}, "c", {"a": F(3, 5), "b": F(2, 5)}),
        # absolute diamond: a's fixed share is both its edges, 25% + 25%; b 10%, c 20%; d keeps 20%
        ({"a": {}, "b": {"a": 2500}, "c": {"a": 2500}, "d": {"b": 1000, "c": 2000}}, {"d"}, "d",
         {"a": F(1, 2), "b": F(1, 10), "c": F(1, 5), "d": F(1, 5)}),
        # mixed: relative d gives c 50%; absolute c pays b 10% and a 20% of that directly, keeps 70% of it
        ({"a": {}, "b": {"a": 2000}, "c": {"b": 1000}, "d": {"c": 5000}}, {"c"}, "d",
         {"a": F(1, 10), "b": F(1, 20), "c": F(7, 20), "d": F(1, 2)}),
        # a parent edge of 100%: the work keeps nothing and is left out
        ({"a": {}, "b": {"a": 10_000}}, set(), "b", {"a": F(1)}),
    ],
    ids=["original", "relative-chain", "relative-diamond", "absolute-chain", "absolute-stack-100",
         "absolute-diamond", "mixed", "all-up"],
)
def test_flows(edges, absolute, start, flows) -> None:
    result = graph_of(edges, absolute).flows(start)
    assert result == flows
    assert sum(result.values()) == 1


def test_relative_chain_16_deep_is_the_product_along_the_path() -> None:
    graph = DerivativeGraph(chain(MAX_DEPTH))
    flows = graph.flows("w16")
    assert flows["w0"] == F(1, 10) ** 16  # the root's cut: the product of sixteen 10% edges
    assert flows["w16"] == F(9, 10)
    assert sum(flows.values()) == 1
    assert graph.ancestors("w16") == {f"w{i}" for i in range(16)}


def test_absolute_shares_are_the_promised_shares() -> None:
    graph = graph_of({"a": {}, "b": {"a": 6000}, "c": {"b": 3000}}, {"c"})
    assert graph.absolute_shares("c") == {"a": F(3, 5), "b": F(3, 10)}
    assert graph.absolute_shares("b") == {"a": F(3, 5)}


@pytest.mark.parametrize(
    ("edges", "absolute", "message"),
    [
        # c promises b 60% and, through b's edge, a 80%: 140%, 40% more than everything
        ({"a": {}, "b": {"a": 8000}, "c": {"b": 6000}}, {"c"},
         "work 'c' uses the absolute model and promises its ancestors 14,000 bps ('a' 8,000 bps, 'b' 6,000 bps), "
         "4,000 bps over 10,000 bps (100%)"),
        # the diamond: a is promised both its edges, 50% + 25%; with b 10% and c 20% the stack is 105%
        (DIAMOND, {"d"}, "promises its ancestors 10,500 bps ('a' 7,500 bps, 'b' 1,000 bps, 'c' 2,000 bps), "
                         "500 bps over"),
        # one basis point over is over
        ({"a": {}, "b": {"a": 5000}, "c": {"b": 5001}}, {"c"}, "10,001 bps ('a' 5,000 bps, 'b' 5,001 bps), 1 bps over"),
        # an absolute ancestor reached by a relative work is checked too (money arrives at it)
        ({"a": {}, "b": {"a": 8000}, "c": {"b": 6000}, "d": {"c": 1000}}, {"c"}, "work 'c' uses the absolute model"),
    ],
    ids=["stack-140", "diamond-105", "one-bp-over", "absolute-ancestor"],
)
def test_a_royalty_stack_over_100_percent_is_refused(edges, absolute, message) -> None:
    # a silent proportional scale-down would pay every parent less than it was promised
    with pytest.raises(RoyaltyStackError, match=re.escape(message)):
        graph_of(edges, absolute)
    assert issubclass(RoyaltyStackError, DerivationError)


def test_a_stack_over_100_percent_is_fine_under_the_relative_model() -> None:
    # relative: c gives b 60%, b passes 80% of that to a: a 48%, b 12%, c 40%
    flows = graph_of({"a": {}, "b": {"a": 8000}, "c": {"b": 6000}}).flows("c")
    assert flows == {"a": F(12, 25), "b": F(3, 25), "c": F(2, 5)}


def test_with_work_checks_the_new_works_stack() -> None:
    graph = graph_of({"a": {}, "b": {"a": 8000}})
    with pytest.raises(RoyaltyStackError, match="work 'c'"):
        graph.with_work(WorkNode("c", {"b": bps(6000)}, ABS))
