"""The derivative graph: how revenue reaching a work flows up to the works it derives from.

Each :class:`WorkNode` names its parents with a share per parent edge. :meth:`DerivativeGraph.flows`
turns one unit of revenue arriving at a work into the exact part every work *keeps* (to be split by
that work's own sheet); the parts always sum to exactly 1. Where money arrives, that work's model
decides how it goes up:

- ``RELATIVE`` (default): each parent takes its edge share of the arrival, and what a parent takes
  arrives at the parent in turn. A grandparent's cut is the product along the path; a diamond sums
  its paths. The work keeps ``1 - sum(edge shares)``.
- ``ABSOLUTE``: the arrival is paid straight to every ancestor, each a fixed share: the sum of the
  edge shares pointing at that ancestor from the work and its ancestors (each edge counted once).
  Those payments are final (nothing flows further up). The stack (the sum of the fixed shares) is
  at most 100%: a stack promising the ancestors more than everything is refused (RoyaltyStackError,
  naming the ancestors and by how much it is over), never scaled down behind their backs.

Rejected when the graph is built: self-parenting and cycles (CycleError), unknown parents, a parent
listed twice, parent shares over 100% on one work, more than 16 parents, depth over 16 (edges on the
longest path up to a root) (DerivationError), an absolute stack over 100% (RoyaltyStackError),
non-positive edge shares (InvalidShareError).

>>> from revenue.shares import bps
>>> graph = DerivativeGraph([
...     WorkNode("original"),
...     WorkNode("remix", {"original": bps(2000)}),
...     WorkNode("remix-of-remix", {"remix": bps(1000)}),
... ])
>>> graph.flows("remix-of-remix")
{'original': Fraction(1, 50), 'remix': Fraction(2, 25), 'remix-of-remix': Fraction(9, 10)}
>>> WorkNode("loop", {"loop": bps(100)})
Traceback (most recent call last):
...
revenue.errors.CycleError: work 'loop' names itself as a parent (self-parenting is a cycle)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType

from revenue.errors import CycleError, DerivationError, InvalidShareError, RoyaltyStackError
from revenue.shares import BASIS_POINTS, check_share, describe_share

MAX_DEPTH = 16
"""The longest allowed chain of parent edges from a work up to a root."""
MAX_PARENTS = 16
"""The most parents one work may name."""


class Model(StrEnum):
    RELATIVE = "relative"
    ABSOLUTE = "absolute"


@dataclass(frozen=True, slots=True)
class WorkNode:
    """A work, its parents (parent id -> edge share), its model and its resale royalty in basis points."""

    work_id: str
    parents: Mapping[str, Fraction] = field(default_factory=dict)
    model: Model = Model.RELATIVE
    resale_royalty_bps: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.work_id, str) or not self.work_id:
            raise DerivationError(f"a work id must be a non-empty string, got {self.work_id!r}")
        try:
            object.__setattr__(self, "model", Model(self.model))
        except ValueError:
            raise DerivationError(f"work {self.work_id!r}: model {self.model!r} is neither relative nor absolute") from None
        parents = dict(self.parents)
        if self.work_id in parents:
            raise CycleError(f"work {self.work_id!r} names itself as a parent (self-parenting is a cycle)")
        if len(parents) > MAX_PARENTS:
            raise DerivationError(f"work {self.work_id!r} names {len(parents)} parents, expected at most {MAX_PARENTS}")
        for parent, share in parents.items():
            if not isinstance(parent, str) or not parent:
                raise DerivationError(f"work {self.work_id!r}: parent ids must be non-empty strings, got {parent!r}")
            check_share(share, "share of work {work!r} for parent {parent!r}", work=self.work_id, parent=parent)
        total = sum(parents.values(), Fraction(0))
        if total > 1:
            raise DerivationError(
                f"parent shares of work {self.work_id!r} sum to {describe_share(total)}, expected at most 10,000 bps (100%)"
            )
        royalty = self.resale_royalty_bps
        if type(royalty) is not int or not 0 <= royalty <= BASIS_POINTS:
            raise InvalidShareError(
                f"resale royalty of work {self.work_id!r} is {royalty!r}, expected an int from 0 to 10,000 bps"
            )
        object.__setattr__(self, "parents", MappingProxyType(dict(sorted(parents.items()))))

    def __hash__(self) -> int:
        return hash((self.work_id, tuple(self.parents.items()), self.model, self.resale_royalty_bps))


class DerivativeGraph:
    """An immutable, validated set of works and their parent edges."""

    def __init__(self, works: Iterable[WorkNode] = ()) -> None:
        nodes: dict[str, WorkNode] = {}
        for node in works:
            if not isinstance(node, WorkNode):
                raise DerivationError(f"a derivative graph holds WorkNode entries, got {node!r}")
            if node.work_id in nodes:
                raise DerivationError(f"work {node.work_id!r} appears twice, expected each work once")
            nodes[node.work_id] = node
        for node in nodes.values():
            for parent in node.parents:
                if parent not in nodes:
                    raise DerivationError(f"work {node.work_id!r} names parent {parent!r}, which is not in the graph")
        self._nodes = nodes
        self._depths = _depths(nodes)
        self._flows: dict[str, dict[str, Fraction]] = {}
        for work_id in sorted(nodes):
            if nodes[work_id].model is Model.ABSOLUTE:
                self._check_stack(work_id)

    def __iter__(self) -> Iterator[WorkNode]:
        """The works, sorted by id (e.g. to persist the graph)."""
        return iter(sorted(self._nodes.values(), key=lambda node: node.work_id))

    def __contains__(self, work_id: object) -> bool:
        return work_id in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def node(self, work_id: str) -> WorkNode:
        try:
            return self._nodes[work_id]
        except (KeyError, TypeError):
            raise DerivationError(f"work {work_id!r} is not in the derivative graph") from None

    def depth(self, work_id: str) -> int:
        """Edges on the longest path from ``work_id`` up to a root (a work without parents: 0)."""
        self.node(work_id)
        return self._depths[work_id]

    def with_work(self, node: WorkNode) -> DerivativeGraph:
        """A new graph with ``node`` added (a new work has no children, so it cannot close a cycle)."""
        if node.work_id in self._nodes:
            raise DerivationError(f"work {node.work_id!r} is already in the graph")
        return DerivativeGraph([*self._nodes.values(), node])

    def ancestors(self, work_id: str) -> frozenset[str]:
        """Every work ``work_id`` derives from, at any depth (itself excluded)."""
        seen: set[str] = set()
        stack = list(self.node(work_id).parents)
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self._nodes[current].parents)
        return frozenset(seen)

    def absolute_shares(self, work_id: str) -> dict[str, Fraction]:
        """The fixed share each ancestor takes of revenue arriving at ``work_id`` under the absolute model:
        the sum of the edge shares pointing at it from ``work_id`` and its ancestors (each edge once)."""
        raw: dict[str, Fraction] = {}
        for child in (work_id, *self.ancestors(work_id)):
            for parent, share in self._nodes[child].parents.items():
                raw[parent] = raw.get(parent, Fraction(0)) + share
        return dict(sorted(raw.items()))

    def _check_stack(self, work_id: str) -> None:
        """RoyaltyStackError when ``work_id``'s absolute stack promises its ancestors more than 100%."""
        shares = self.absolute_shares(work_id)
        stack = sum(shares.values(), Fraction(0))
        if stack > 1:
            promised = ", ".join(f"{ancestor!r} {describe_share(share)}" for ancestor, share in shares.items())
            raise RoyaltyStackError(
                f"work {work_id!r} uses the absolute model and promises its ancestors {describe_share(stack)} "
                f"({promised}), {describe_share(stack - 1)} over 10,000 bps (100%) of what it earns: lower the "
                "parent shares or use the relative model (a stack is never scaled down behind the parents' backs)"
            )

    def flows(self, work_id: str) -> dict[str, Fraction]:
        """Work id -> the exact part of one unit arriving at ``work_id`` that the work keeps for its own
        sheet. Works that keep nothing are left out; the values sum to exactly 1."""
        if work_id not in self._flows:
            self._flows[work_id] = self._compute_flows(work_id)
        return dict(self._flows[work_id])

    def _compute_flows(self, work_id: str) -> dict[str, Fraction]:
        arriving: dict[str, Fraction] = {work_id: Fraction(1)}
        kept: dict[str, Fraction] = {}
        # A parent is always shallower than its child, so deepest-first visits every work after
        # all the money arriving at it from its children has been added up.
        order = sorted(self.ancestors(work_id) | {work_id}, key=lambda w: (-self._depths[w], w))
        for current in order:
            amount = arriving.pop(current, None)
            if not amount:
                continue
            node = self._nodes[current]
            if node.model is Model.ABSOLUTE:
                given = Fraction(0)
                for ancestor, share in self.absolute_shares(current).items():
                    kept[ancestor] = kept.get(ancestor, Fraction(0)) + amount * share
                    given += share
                kept[current] = kept.get(current, Fraction(0)) + amount * (1 - given)
            else:
                for parent, share in node.parents.items():
                    arriving[parent] = arriving.get(parent, Fraction(0)) + amount * share
                kept[current] = kept.get(current, Fraction(0)) + amount * (1 - sum(node.parents.values(), Fraction(0)))
        return {work: part for work, part in sorted(kept.items()) if part}


def _depths(nodes: Mapping[str, WorkNode]) -> dict[str, int]:
    """Depth of every work (iterative DFS); CycleError naming the cycle, DerivationError when too deep."""
    depths: dict[str, int] = {}
    on_path: dict[str, int] = {}
    for start in sorted(nodes):
        if start in depths:
            continue
        path: list[str] = [start]
        parents_left: list[list[str]] = [sorted(nodes[start].parents)]
        on_path[start] = 0
        while path:
            current = path[-1]
            if parents_left[-1]:
                parent = parents_left[-1].pop()
                if parent in on_path:
                    cycle = path[on_path[parent]:] + [parent]
                    raise CycleError(f"works form a cycle: {' -> '.join(cycle)} (each names the next as its parent)")
                if parent not in depths:
                    on_path[parent] = len(path)
                    path.append(parent)
                    parents_left.append(sorted(nodes[parent].parents))
                continue
            depth = 1 + max((depths[p] for p in nodes[current].parents), default=-1)
            if depth > MAX_DEPTH:
                raise DerivationError(
                    f"work {current!r} is {depth} derivations deep, expected at most {MAX_DEPTH} "
                    "(edges on the longest path up to an original work)"
                )
            depths[current] = depth
            path.pop()
            parents_left.pop()
            del on_path[current]
    return depths
