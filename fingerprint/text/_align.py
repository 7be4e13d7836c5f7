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

The pair is reported as a match if its passages hold at least ``MIN_MATCHED_HASHES`` anchors and
either the score reaches ``MIN_SCORE`` or one passage alone has ``MIN_LONG_PASSAGE_HASHES`` anchors
(an excerpt pasted into a much longer text).

5. **Verdict.** A match is a ``"copy"`` when its passages cover at least ``COPY_COVERAGE`` of the
   suspect (an excerpt, or a copy with little added) or of the registered work (a copy wrapped in
   boilerplate or other articles); otherwise it ``"shares_passages"``: a quote, a sentence or a
   paragraph the two have in common, as articles on the same wire story do.

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
from dataclasses import asdict, dataclass, replace

import numpy as np

from fingerprint.text._chain import (
    DRIFT_CHARS,
    EXACT_CHAIN_ANCHORS,
    MAX_ANCHORS_PER_HASH,
    MAX_GAP_CHARS,
    MIN_PASSAGE_HASHES,
    anchors,
    chains,
)
from fingerprint.text._fingerprint import TextFingerprint
from fingerprint.text._winnow import MIN_GRAM_CHARS

__all__ = [
    "DRIFT_CHARS",
    "EXACT_CHAIN_ANCHORS",
    "MAX_ANCHORS_PER_HASH",
    "MAX_GAP_CHARS",
    "MIN_LONG_PASSAGE_HASHES",
    "MIN_MATCHED_HASHES",
    "MIN_PASSAGE_HASHES",
    "MIN_SCORE",
    "COPY",
    "COPY_COVERAGE",
    "SHARES_PASSAGES",
    "VERDICTS",
    "Passage",
    "TextMatch",
    "compare_texts",
]

MIN_SCORE = 0.15
"""Least coverage (see the module docstring) for a pair to count as a match."""

COPY_COVERAGE = 0.43
"""Least coverage of either side for a match to be a ``"copy"`` rather than ``"shares_passages"``.
Chosen by measurement: articles on the same story that share a quote or a sentence cover
0.09-0.28 of each other (4 such pairs among 201 held-out news articles, issue 15), and two or
three paragraphs pasted into another article on the same subject 0.17-0.24 (our assets, 6 works
x 6 seeds); the weakest copy among the 15 edits of ``tests/fingerprint/conftest.py`` (an excerpt
inside a newsletter) covers 0.59 of the suspect, every other edit 0.78 or more. 0.43 is halfway
between 0.28 and 0.59."""

COPY, SHARES_PASSAGES = "copy", "shares_passages"
VERDICTS = (COPY, SHARES_PASSAGES)

MIN_MATCHED_HASHES = 12
"""Fewest anchors, all passages together, for any copy (about 60 characters of copied text):
below that, a short query is "copied" by one shared name or title, whatever its coverage."""

MIN_LONG_PASSAGE_HASHES = 16
"""A single passage with this many anchors is a copy even below ``MIN_SCORE`` (an excerpt
pasted into a much longer text)."""


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
    what a database candidate query (``WHERE hash IN (...)``) ranks by. ``query_coverage`` and
    ``work_coverage`` are the shares of each side's fingerprints inside the passages; the score is
    the larger, and the verdict follows from it (``COPY_COVERAGE``).
    """

    score: float
    passages: tuple[Passage, ...]
    shared_hashes: int
    query_coverage: float = 0.0
    work_coverage: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"expected a score in [0, 1], got {self.score}")
        object.__setattr__(self, "passages", tuple(self.passages))

    @property
    def verdict(self) -> str:
        return COPY if self.score >= COPY_COVERAGE else SHARES_PASSAGES

    def to_dict(self) -> dict[str, object]:
        """``{"score", "verdict", "suspect_coverage", "work_coverage", "passages": [...],
        "shared_hashes"}``, ready for JSON."""
        return {
            "score": self.score,
            "verdict": self.verdict,
            "suspect_coverage": self.query_coverage,
            "work_coverage": self.work_coverage,
            "passages": [passage.to_dict() for passage in self.passages],
            "shared_hashes": self.shared_hashes,
        }


def compare_texts(query: TextFingerprint, work: TextFingerprint) -> TextMatch | None:
    """The passages ``query`` copies from ``work`` and a score, or None if it is not a copy."""
    shared = _shared_hashes(query, work)
    if len(shared) < MIN_PASSAGE_HASHES:
        return None
    q, w = anchors(query, work, shared)
    passages: list[Passage] = []
    core_starts: list[int] = []  # query offsets of each kept passage's first and last anchor, sorted;
    core_ends: list[int] = []  # kept cores never overlap, so their ends are sorted too
    longest = matched = 0
    for first, last, count in chains(q, w):
        q_first, w_first, q_last, w_last = int(q[first]), int(w[first]), int(q[last]), int(w[last])
        k = bisect.bisect_right(core_starts, q_last)
        if k and core_ends[k - 1] >= q_first:  # overlaps a better passage on the query side
            continue
        core_starts.insert(k, q_first)
        core_ends.insert(k, q_last)
        passages.append(
            Passage(
                query_start=q_first,
                query_end=min(query.length, q_last + MIN_GRAM_CHARS),
                work_start=w_first,
                work_end=min(work.length, w_last + MIN_GRAM_CHARS),
            )
        )
        longest, matched = max(longest, count), matched + count
    if matched < MIN_MATCHED_HASHES:
        return None
    query_coverage = _coverage(query._arrays[1], [(p.query_start, p.query_end) for p in passages])
    work_coverage = _coverage(work._arrays[1], [(p.work_start, p.work_end) for p in passages])
    score = max(query_coverage, work_coverage)
    if score < MIN_SCORE and longest < MIN_LONG_PASSAGE_HASHES:
        return None
    passages.sort(key=lambda p: p.query_start)
    for i in range(len(passages) - 1):  # an estimated end never runs into the next passage
        if passages[i].query_end > passages[i + 1].query_start:
            passages[i] = replace(passages[i], query_end=passages[i + 1].query_start)
    return TextMatch(score=round(score, 4), passages=tuple(passages), shared_hashes=len(shared),
                     query_coverage=round(query_coverage, 4), work_coverage=round(work_coverage, 4))


def _shared_hashes(query: TextFingerprint, work: TextFingerprint) -> np.ndarray:
    """The distinct hash values both fingerprints hold, sorted: the smaller looked up in the larger."""
    small, large = sorted((query._distinct, work._distinct), key=len)
    if len(large) == 0:
        return small[:0]
    found = np.minimum(np.searchsorted(large, small), len(large) - 1)
    return small[large[found] == small]


def _coverage(positions: np.ndarray, spans: list[tuple[int, int]]) -> float:
    """Fraction of ``positions`` (sorted) inside the union of the ``[start, end)`` spans."""
    if len(positions) == 0:
        return 0.0
    covered = 0
    merged_end = -1
    for start, end in sorted(spans):
        start = max(start, merged_end)
        if start < end:
            covered += int(np.searchsorted(positions, end) - np.searchsorted(positions, start))
            merged_end = end
    return covered / len(positions)
