"""Comparing two text fingerprints: shared hashes -> anchors -> chains -> passages -> a score.

1. **Anchors.** Every pair of equal hashes, one in the query and one in the work, is an anchor
   ``(query offset, work offset)``. A hash repeated so often that it would make more than
   ``MAX_ANCHORS_PER_HASH`` anchors pairs its occurrences by rank instead (first with first...).
2. **Chains.** Copied text shows up as anchors that advance together on both sides, close to one
   diagonal. A chaining pass (the dynamic programme of seed chaining, as in Li, "Minimap2",
   Bioinformatics 2018, section 2.1, with a cost linear in the drift) links each anchor to the
   best earlier one at most ``MAX_GAP_CHARS`` behind on both sides, paying one anchor for every
   ``DRIFT_CHARS`` the diagonal moves. Chains are then read off best first, each anchor used once.
3. **Passages.** A chain of at least ``MIN_PASSAGE_HASHES`` anchors is a passage, from its first
   gram's start to its last gram's start plus ``MIN_GRAM_CHARS`` (the shortest a gram can be, so a
   passage never claims text past what is shared, and ends where the next passage starts). A
   chain whose anchors overlap a better passage's anchors on the query side is dropped (a query
   region is credited to one work region). Isolated shared phrases ("according to the ...",
   "据了解") do not chain: that noise goes.
4. **Score.** The fraction of each side's fingerprints that lie inside its passages, and the score
   is the larger of the two: the coverage of, in effect, the smaller text. An excerpt scores by how
   much of it is copied, and so does a full copy wrapped in boilerplate.

The pair is reported as a copy if its passages hold at least ``MIN_MATCHED_HASHES`` anchors and
either the score reaches ``MIN_SCORE`` or one passage alone has ``MIN_LONG_PASSAGE_HASHES`` anchors
(an excerpt pasted into a much longer text).

>>> from fingerprint.text._fingerprint import fingerprint_text
>>> work = fingerprint_text("The first of twelve remotely operated ship-to-shore cranes arrived at "
...                         "the Calder Bay container terminal on Tuesday afternoon.")
>>> query = fingerprint_text("BREAKING: the first of twelve remotely-operated ship to shore cranes "
...                          "arrived at the Calder Bay container terminal on Tuesday afternoon!")
>>> match = compare_texts(query, work)
>>> match.score >= 0.9, len(match.passages)
(True, 1)
>>> compare_texts(query, fingerprint_text("Fibre reaches the hill farms of Ashcombe County, the council said."))
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import asdict, dataclass, replace

from fingerprint.text._fingerprint import TextFingerprint
from fingerprint.text._winnow import MIN_GRAM_CHARS

MIN_SCORE = 0.15
"""Least coverage (see the module docstring) for a pair to count as a copy."""

MIN_PASSAGE_HASHES = 5
"""Fewest chained anchors that make a passage; shorter chains are shared stock phrases."""

MIN_MATCHED_HASHES = 12
"""Fewest anchors, all passages together, for any copy (about 60 characters of copied text):
below that, a short query is "copied" by one shared name or title, whatever its coverage."""

MIN_LONG_PASSAGE_HASHES = 16
"""A single passage with this many anchors is a copy even below ``MIN_SCORE`` (an excerpt
pasted into a much longer text)."""

MAX_GAP_CHARS = 60
"""Furthest two consecutive anchors of a chain may be apart, on either side (normalised chars)."""

DRIFT_CHARS = 20
"""Diagonal drift that costs one anchor when chaining (an inserted word drifts a few chars)."""

MAX_ANCHORS_PER_HASH = 16
"""A hash making more anchors than this (count in query x count in work) pairs by rank."""

_MAX_PREDECESSORS = 24  # chaining looks at most this many valid earlier anchors


@dataclass(frozen=True)
class Passage:
    """A copied passage: ``[query_start, query_end)`` in the query matches the work's range.

    Offsets are in characters of the normalised texts (``normalise_for_matching``). Boundaries are
    accurate to about one winnowing window (16 English letters, 12 Chinese characters).
    """

    query_start: int
    query_end: int
    work_start: int
    work_end: int

    def __post_init__(self) -> None:
        if not (0 <= self.query_start < self.query_end and 0 <= self.work_start < self.work_end):
            raise ValueError(f"expected 0 <= start < end on both sides, got {self}")

    def to_dict(self) -> dict[str, int]:
        """``{"query_start", "query_end", "work_start", "work_end"}``, as the match API reports it."""
        return asdict(self)


@dataclass(frozen=True)
class TextMatch:
    """How a query copies a work: a score in [0, 1], the passages, and the shared hash count.

    ``shared_hashes`` counts distinct hash values the two fingerprints have in common, which is
    what a database candidate query (``WHERE hash IN (...)``) ranks by.
    """

    score: float
    passages: tuple[Passage, ...]
    shared_hashes: int

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"expected a score in [0, 1], got {self.score}")
        object.__setattr__(self, "passages", tuple(self.passages))

    def to_dict(self) -> dict[str, object]:
        """``{"score", "passages": [...], "shared_hashes"}``, ready for JSON."""
        return {
            "score": self.score,
            "passages": [passage.to_dict() for passage in self.passages],
            "shared_hashes": self.shared_hashes,
        }


def compare_texts(query: TextFingerprint, work: TextFingerprint) -> TextMatch | None:
    """The passages ``query`` copies from ``work`` and a score, or None if it is not a copy."""
    shared = set(query.hashes).intersection(work.hashes)
    if len(shared) < MIN_PASSAGE_HASHES:
        return None
    anchors = _anchors(query, work, shared)
    chains = _chains(anchors)
    passages: list[Passage] = []
    cores: list[tuple[int, int]] = []  # query offsets of each kept passage's first and last anchor
    longest = matched = 0
    for chain in chains:
        (q_first, w_first), (q_last, w_last) = anchors[chain[0]], anchors[chain[-1]]
        if any(q_first <= core_last and core_first <= q_last for core_first, core_last in cores):
            continue
        cores.append((q_first, q_last))
        passages.append(
            Passage(
                query_start=q_first,
                query_end=min(query.length, q_last + MIN_GRAM_CHARS),
                work_start=w_first,
                work_end=min(work.length, w_last + MIN_GRAM_CHARS),
            )
        )
        longest, matched = max(longest, len(chain)), matched + len(chain)
    if matched < MIN_MATCHED_HASHES:
        return None
    score = max(
        _coverage(query.positions, [(p.query_start, p.query_end) for p in passages]),
        _coverage(work.positions, [(p.work_start, p.work_end) for p in passages]),
    )
    if score < MIN_SCORE and longest < MIN_LONG_PASSAGE_HASHES:
        return None
    passages.sort(key=lambda p: p.query_start)
    for i in range(len(passages) - 1):  # an estimated end never runs into the next passage
        if passages[i].query_end > passages[i + 1].query_start:
            passages[i] = replace(passages[i], query_end=passages[i + 1].query_start)
    return TextMatch(score=round(score, 4), passages=tuple(passages), shared_hashes=len(shared))


def _anchors(query: TextFingerprint, work: TextFingerprint, shared: set[int]) -> list[tuple[int, int]]:
    """Every ``(query offset, work offset)`` with equal hashes, sorted.

    A hash repeated inside the texts pairs every occurrence with every other, unless that makes
    more than ``MAX_ANCHORS_PER_HASH`` anchors: then the i-th of n query occurrences pairs only
    with the work occurrence of the same rank (scaled to the work's count), which keeps a
    repeated passage on its diagonal and the anchor count linear.
    """
    in_query: dict[int, list[int]] = defaultdict(list)
    in_work: dict[int, list[int]] = defaultdict(list)
    for h, position in zip(query.hashes, query.positions):
        if h in shared:
            in_query[h].append(position)
    for h, position in zip(work.hashes, work.positions):
        if h in shared:
            in_work[h].append(position)
    anchors = []
    for h, query_positions in in_query.items():
        work_positions = in_work[h]
        n_query, n_work = len(query_positions), len(work_positions)
        if n_query * n_work <= MAX_ANCHORS_PER_HASH:
            anchors.extend((q, w) for q in query_positions for w in work_positions)
        else:
            n = min(n_query, n_work)
            anchors.extend((query_positions[i * n_query // n], work_positions[i * n_work // n]) for i in range(n))
    anchors.sort()
    return anchors


def _chains(anchors: list[tuple[int, int]]) -> list[list[int]]:
    """Chains of anchor indexes (each increasing on both sides), best first, each anchor used once."""
    best = [1.0] * len(anchors)
    previous = [-1] * len(anchors)
    for i, (q, w) in enumerate(anchors):
        diagonal = w - q
        j, looked = i - 1, 0
        while j >= 0 and q - anchors[j][0] <= MAX_GAP_CHARS and looked < _MAX_PREDECESSORS:
            qj, wj = anchors[j]
            if qj < q and wj < w <= wj + MAX_GAP_CHARS:
                looked += 1
                candidate = best[j] + 1.0 - abs(diagonal - (wj - qj)) / DRIFT_CHARS
                if candidate > best[i]:
                    best[i], previous[i] = candidate, j
            j -= 1
    used = [False] * len(anchors)
    chains = []
    for end in sorted(range(len(anchors)), key=lambda i: (-best[i], i)):
        chain = []
        i = end
        while i != -1 and not used[i]:
            used[i] = True
            chain.append(i)
            i = previous[i]
        if len(chain) >= MIN_PASSAGE_HASHES:
            chains.append(chain[::-1])
    return chains


def _coverage(positions: tuple[int, ...], spans: list[tuple[int, int]]) -> float:
    """Fraction of ``positions`` inside the union of the ``[start, end)`` spans."""
    if not positions:
        return 0.0
    covered = 0
    merged_end = -1
    for start, end in sorted(spans):
        start = max(start, merged_end)
        if start < end:
            covered += bisect.bisect_left(positions, end) - bisect.bisect_left(positions, start)
            merged_end = end
    return covered / len(positions)
