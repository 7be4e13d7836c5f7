"""Benchmark payouts: a 50-party sheet under a 16-deep derivative chain, exact vs per-hop.

    .venv/bin/python bench/revenue.py [--events 2000] [--parties 50] [--depth 16] [--seed 7]

The chain is w0 <- w1 <- ... <- w16 (16 parent edges, random 1-30% each); every work has its own
sheet of 50 parties with random basis-point shares, so an event at w16 reaches 850 payees.
Revenue events at w16 carry random USD amounts from one cent to $100,000.

Compared in the same run on the same events:
- exact: :func:`revenue.payout` (flows up the graph as exact fractions, one largest-remainder
  allocation per event);
- per-hop floor: what on-chain splitters do (0xSplits, Story's royalty vaults): each work splits
  what it receives among its parent and its parties, each share floored, the leftover dust left
  behind, then the parent does the same with what it got;
- per-hop Decimal: the same hops in decimal.Decimal, each payment rounded half-even to the cent.

For each method: events (and payee lines) per second; units lost per event (amount minus paid:
abandoned dust when positive, money created when negative) with its min and max; how many events
did not pay out exactly their amount; the worst distance of any payee from its exact share in
units (ours is always under one).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

# This script shares its name with the package it measures: drop its own folder from the path so
# that `import revenue` finds the package, not this file.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from revenue import (  # noqa: E402
    DerivativeGraph, Money, Party, RevenueEvent, Role, SheetHistory, SplitSheet, WorkNode, bps, payout,
)

ON = date(2025, 6, 1)
Chain = list[tuple[str, int, dict[str, int]]]  # (work id, edge to parent in bps or 0, party -> bps)


def random_bps(rng: random.Random, count: int) -> list[int]:
    cuts = sorted(rng.sample(range(1, 10_000), count - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, 10_000], strict=True)]


def build_chain(rng: random.Random, depth: int, parties: int) -> Chain:
    chain = []
    for i in range(depth + 1):
        shares = random_bps(rng, parties)
        chain.append((f"w{i}", rng.randint(100, 3000) if i else 0,
                      {f"w{i}-party{j:02d}": s for j, s in enumerate(shares)}))
    return chain


def registry_inputs(chain: Chain) -> tuple[DerivativeGraph, dict[str, SheetHistory]]:
    nodes, sheets = [], {}
    for i, (work, edge, shares) in enumerate(chain):
        nodes.append(WorkNode(work, {chain[i - 1][0]: bps(edge)} if i else {}))
        amendment = SheetHistory(work).propose(
            SplitSheet(Party(p, Role.CREATOR, bps(s)) for p, s in shares.items()), date(2025, 1, 1))
        for party in sorted(amendment.required):
            amendment = amendment.sign(party, datetime(2025, 1, 1, tzinfo=UTC))
        sheets[work] = SheetHistory(work).adopt(amendment)
    return DerivativeGraph(nodes), sheets


def exact_shares(chain: Chain) -> dict[str, Fraction]:
    shares, reaching = {}, Fraction(1)
    for work, edge, parties in reversed(chain):
        kept = reaching * (1 - bps(edge))
        shares.update({p: kept * bps(s) for p, s in parties.items()})
        reaching *= bps(edge)
    return shares


def per_hop_floor(chain: Chain, amount: int) -> dict[str, int]:
    """Each work pays floor(amount * share) to its parent and to each party; the dust stays behind."""
    paid: dict[str, int] = {}
    for work, edge, parties in reversed(chain):
        kept_bps = 10_000 - edge
        for party, share in parties.items():
            paid[party] = amount * kept_bps * share // 100_000_000
        amount = amount * edge // 10_000
    return paid


def per_hop_decimal(chain: Chain, amount: int) -> dict[str, int]:
    """The same hops in Decimal dollars, every payment rounded half-even to the cent."""
    cent = Decimal("0.01")
    paid: dict[str, int] = {}
    reaching = Decimal(amount) / 100
    for work, edge, parties in reversed(chain):
        kept = reaching * (Decimal(10_000 - edge) / 10_000)
        for party, share in parties.items():
            paid[party] = int((kept * Decimal(share) / 10_000).quantize(cent, ROUND_HALF_EVEN) * 100)
        reaching = (reaching * Decimal(edge) / 10_000).quantize(cent, ROUND_HALF_EVEN)
    return paid


def measure(name: str, run, amounts: list[int], shares: dict[str, Fraction]) -> None:
    started = time.perf_counter()
    results = [run(amount) for amount in amounts]
    elapsed = time.perf_counter() - started
    lost = [amount - sum(paid.values()) for amount, paid in zip(amounts, results, strict=True)]
    # worst |paid - amount * share| in units, in integers over the shares' common denominator
    denominator = math.lcm(*(s.denominator for s in shares.values()))
    numerators = {p: s.numerator * (denominator // s.denominator) for p, s in shares.items()}
    worst = Fraction(max(abs(paid.get(p, 0) * denominator - amount * n) for amount, paid in zip(amounts, results, strict=True)
                         for p, n in numerators.items()), denominator)
    wrong = sum(1 for units in lost if units)
    print(f"{name:<16} {len(amounts) / elapsed:>11,.0f} {len(amounts) * len(shares) / elapsed:>13,.0f} "
          f"{sum(lost) / len(lost):>9.2f} {min(lost):>5d} {max(lost):>5d} {wrong:>8d}/{len(amounts):<6d} "
          f"{float(worst):>9.3f}")  # float for display only


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--parties", type=int, default=50)
    parser.add_argument("--depth", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    chain = build_chain(rng, args.depth, args.parties)
    graph, sheets = registry_inputs(chain)
    bottom = chain[-1][0]
    amounts = [rng.randint(1, 10_000_000) for _ in range(args.events)]
    shares = exact_shares(chain)
    print(f"{args.parties}-party sheets on a {args.depth}-deep chain ({len(shares)} payees per event), "
          f"{args.events} USD events at {bottom}")

    started = time.perf_counter()
    payout(RevenueEvent(bottom, Money(1, "USD"), ON), graph=graph, sheets=sheets)
    print(f"first event (computes and caches the graph's flows): {1000 * (time.perf_counter() - started):.1f} ms")

    def exact(amount: int) -> dict[str, int]:
        result = payout(RevenueEvent(bottom, Money(amount, "USD"), ON), graph=graph, sheets=sheets)
        return {line.payee: line.amount_minor for line in result.lines}

    print(f"{'method':<16} {'events/s':>11} {'payee-lines/s':>13} {'lost/event':>9} {'min':>5} {'max':>5} "
          f"{'not exact sum':>15} {'worst |payee - exact share|':>9}")
    measure("exact (ours)", exact, amounts, shares)
    measure("per-hop floor", lambda a: per_hop_floor(chain, a), amounts, shares)
    measure("per-hop Decimal", lambda a: per_hop_decimal(chain, a), amounts, shares)


if __name__ == "__main__":
    main()
