"""``TextIndex``: an in-memory inverted index from gram hash to the works that contain it.

A linear scan with ``compare_texts`` over every work is correct but slow; the index only picks
candidates (works sharing the most distinct hashes with the query) and ``compare_texts`` decides.
The registry does the same with its database: ``SELECT work_id ... WHERE hash IN (...)``.

>>> from fingerprint.text._fingerprint import fingerprint_text
>>> index = TextIndex()
>>> index.add("reef", fingerprint_text(
...     "Two years after a marine heatwave bleached more than half of the corals on the Tamsin Reef, "
...     "a survey team has found young colonies settling in numbers that surprised the researchers."))
>>> index.add("fibre", fingerprint_text("Fibre reaches the hill farms of Ashcombe County, the council said."))
>>> [(work_id, match.score) for work_id, match in index.search(fingerprint_text(
...     "A marine heatwave bleached more than half of the corals on the Tamsin Reef, a survey found."))]
[('reef', 1.0)]
"""

from __future__ import annotations

from collections import Counter

from fingerprint.text._align import MIN_PASSAGE_HASHES, TextMatch, compare_texts
from fingerprint.text._fingerprint import TextFingerprint

MAX_CANDIDATES = 50
"""Works, ranked by shared distinct hashes, that ``search`` compares in full (at least 5 x limit)."""


class TextIndex:
    """Work fingerprints by id, with an inverted index ``hash -> {work_id}``."""

    def __init__(self) -> None:
        self._fingerprints: dict[str, TextFingerprint] = {}
        self._postings: dict[int, set[str]] = {}

    def __len__(self) -> int:
        return len(self._fingerprints)

    def __contains__(self, work_id: object) -> bool:
        return work_id in self._fingerprints

    def add(self, work_id: str, fp: TextFingerprint) -> None:
        """Index ``fp`` under ``work_id``, replacing what was there under that id."""
        self.remove(work_id)
        self._fingerprints[work_id] = fp
        for h in set(fp.hashes):
            self._postings.setdefault(h, set()).add(work_id)

    def remove(self, work_id: str) -> None:
        """Forget ``work_id``; nothing happens if it is not indexed."""
        fp = self._fingerprints.pop(work_id, None)
        if fp is None:
            return
        for h in set(fp.hashes):
            holders = self._postings[h]
            holders.discard(work_id)
            if not holders:
                del self._postings[h]

    def search(self, query: TextFingerprint, limit: int = 10) -> list[tuple[str, TextMatch]]:
        """The works ``query`` copies, best score first (ties by work id), at most ``limit``."""
        if limit < 1:
            raise ValueError(f"expected a limit of at least 1, got {limit}")
        shared: Counter[str] = Counter()
        for h in set(query.hashes):
            shared.update(self._postings.get(h, ()))
        candidates = [
            work_id
            for work_id, count in sorted(shared.items(), key=lambda item: (-item[1], item[0]))
            if count >= MIN_PASSAGE_HASHES
        ][: max(MAX_CANDIDATES, 5 * limit)]
        matches = []
        for work_id in candidates:
            match = compare_texts(query, self._fingerprints[work_id])
            if match is not None:
                matches.append((work_id, match))
        matches.sort(key=lambda item: (-item[1].score, item[0]))
        return matches[:limit]
