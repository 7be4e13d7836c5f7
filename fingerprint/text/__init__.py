"""Text fingerprints for English and Chinese articles: find which registered works a text copies.

Character-level throughout, so Chinese (no spaces between words) and English work alike:

1. ``normalise_for_matching``: NFKC, casefold, punctuation and symbols to spaces, whitespace
   collapsed. Passage offsets point into this string.
2. ``fingerprint_text``: a stable 64-bit hash of every gram of the normalised text, spaces skipped
   (a gram is 9 letters or digits, or 5 Chinese characters: see below); winnowing (Schleimer,
   Wilkerson, Aiken, SIGMOD 2003) keeps the minimum of every ``WINDOW_GRAMS`` consecutive grams,
   with where its gram starts.
3. ``compare_texts``: equal hashes become anchors, anchors near one diagonal chain into passages,
   and the score is the share of (in effect) the smaller text's fingerprints inside passages; a
   match is a ``"copy"`` from ``COPY_COVERAGE`` up, below it it ``"shares_passages"`` (a quote).
4. ``TextIndex``: an in-memory inverted index that picks candidates for ``compare_texts``.

>>> work = fingerprint_text(
...     "Two years after a marine heatwave bleached more than half of the corals on the Tamsin Reef, "
...     "a survey team has found young colonies settling in numbers that surprised the researchers.")
>>> suspect = fingerprint_text(
...     "SUBSCRIBE NOW! Two years after a marine heat-wave bleached more than half the corals on the "
...     "Tamsin Reef, a survey team has found young colonies setling in numbers that surprised the researchers.")
>>> match = compare_texts(suspect, work)
>>> match.score, len(match.passages)
(1.0, 1)
>>> passage = match.passages[0]
>>> normalise_for_matching("Two years after a marine heatwave")[passage.work_start:][:20]
'years after a marine'

Decisions, measured on ``tests/assets/text`` (6 works; 6 articles on the same topic or the same
event, written independently; seeded edits of every kind) and ``bench/text_match.py``:

- **Grams weighted by script** (``GRAM_WEIGHT`` = 9, ``WIDE_CHAR_WEIGHT`` = 2). A Chinese
  character carries about a morpheme, an English letter a fraction of a word, so one gram length
  cannot suit both: with 9 code points for every script, a Chinese copy with 12% typos scored
  0.46, one with synonyms and 3% typos 0.68, and a two-paragraph Chinese excerpt with 5% typos was
  missed. CJK ideographs, kana and Hangul syllables weigh 2, so a gram is 5 Chinese characters
  (about 3 words) or 9 English letters (about 2 words): those three now score 0.90, 0.99, 0.86,
  English is unchanged, and Chinese articles on the same event still share at most 2 hashes.
  Skipping spaces makes English grams span words and ignore spacing.
- **9, not 7 or 12**: at 7 the English same-event articles share twice as many hashes (35 vs 17);
  at 12 an English copy with 8% typos drops from 0.88 to 0.68, with 12% from 0.71 to 0.42.
- **Windows of 8 grams** (``WINDOW_GRAMS``): 0.19 hashes per character (~320 per news article,
  about 9 bytes each as stored), and any shared run of 16 letters or 12 Chinese characters shares a hash.
  Window 12 saves 31% of the rows but misses the Chinese excerpt with 5% typos and drops a
  reordered Chinese copy to 0.65; window 6 costs 29% more rows for 0.01-0.06 of score.
- **Hash**: splitmix64-mixed code points in a multiplicative rolling hash mod 2**64 (spelt out in
  ``_winnow``), vectorised with numpy: 3x faster than ``blake2b`` per gram (7-11 MB/s end to end,
  normalisation included, on a 2-core VM), stable across processes and platforms, signed int64
  for a PostgreSQL ``BIGINT``.
- **Passages** chain anchors at most ``MAX_GAP_CHARS`` = 60 apart: gaps inside real copies are
  under 42 characters at the 99th percentile (5% typos, paraphrase); at 80-100, two names that
  same-event articles share ("Ashcombe County" ... "gigabit-capable fibre") chained into one
  passage. ``MIN_PASSAGE_HASHES`` = 5: between independent articles chains reach 3 anchors
  ("gigabit capable fibre", "automated berth"), but for one title phrase shared verbatim (8).
- **Thresholds**: the score is a coverage, so a 150-character snippet holding one title phrase
  that two same-event articles share verbatim ("the council's digital infrastructure lead") scores
  0.33. Hence ``MIN_MATCHED_HASHES`` = 12 anchors of evidence (weakest real copy: 21, strongest
  negative: 8), then ``MIN_SCORE`` = 0.15 or one passage of ``MIN_LONG_PASSAGE_HASHES`` = 16 (an
  excerpt pasted into another article scores 0.17-0.22 with 21+ anchors in one passage).
- **Scores seen** (min over 3 works x 3 seeds, English / Chinese): exact, excerpt, boilerplate,
  reformatted 1.0 / 1.0; 2% typos 0.99 / 0.99; 5% typos 0.98 / 0.99; paraphrase-lite 0.99 / 0.99;
  20% of sentences deleted 0.98 / 0.99; foreign sentences inserted 0.98 / 0.98; sentences and
  paragraphs shuffled 0.94 / 0.81; excerpt in a newsletter 0.67 / 0.59. Same-topic and same-event
  articles, whole, excerpted, in a newsletter or with typos: no match.
- **Index**: 2,000 works, 2.5-3 ms per query including fingerprinting, against 0.4 s per query for
  ``difflib.SequenceMatcher`` (``autojunk=False``) over just 40 works (19 s scaled to 2,000).
"""

from __future__ import annotations

from fingerprint.errors import EmptyTextError, FingerprintError, InvalidFingerprintError
from fingerprint.text._align import (
    COPY,
    COPY_COVERAGE,
    DRIFT_CHARS,
    MAX_ANCHORS_PER_HASH,
    MAX_GAP_CHARS,
    MIN_LONG_PASSAGE_HASHES,
    MIN_MATCHED_HASHES,
    MIN_PASSAGE_HASHES,
    MIN_SCORE,
    SHARES_PASSAGES,
    VERDICTS,
    Passage,
    TextMatch,
    compare_texts,
)
from fingerprint.text._fingerprint import (
    ALGORITHM,
    MIN_TEXT_CHARS,
    TextFingerprint,
    fingerprint_text,
    fingerprint_texts,
    warm_up,
)
from fingerprint.text._index import MAX_CANDIDATES, TextIndex
from fingerprint.text._postings import (
    POSTING_SAMPLE,
    SHORT_FINGERPRINT_HASHES,
    index_hashes,
)
from fingerprint.text._markup import html_text, markdown_text
from fingerprint.text._normalise import locate_passages, normalise_for_matching, normalised_origins, source_span
from fingerprint.text._winnow import GRAM_WEIGHT, MIN_GRAM_CHARS, WIDE_CHAR_WEIGHT, WINDOW_GRAMS

__all__ = [
    "ALGORITHM",
    "COPY",
    "COPY_COVERAGE",
    "SHARES_PASSAGES",
    "VERDICTS",
    "DRIFT_CHARS",
    "GRAM_WEIGHT",
    "MAX_ANCHORS_PER_HASH",
    "MAX_CANDIDATES",
    "MAX_GAP_CHARS",
    "MIN_LONG_PASSAGE_HASHES",
    "MIN_MATCHED_HASHES",
    "MIN_PASSAGE_HASHES",
    "POSTING_SAMPLE",
    "SHORT_FINGERPRINT_HASHES",
    "MIN_SCORE",
    "MIN_GRAM_CHARS",
    "MIN_TEXT_CHARS",
    "WIDE_CHAR_WEIGHT",
    "WINDOW_GRAMS",
    "EmptyTextError",
    "FingerprintError",
    "InvalidFingerprintError",
    "Passage",
    "TextFingerprint",
    "TextIndex",
    "index_hashes",
    "TextMatch",
    "compare_texts",
    "fingerprint_text",
    "fingerprint_texts",
    "warm_up",
    "html_text",
    "locate_passages",
    "markdown_text",
    "normalise_for_matching",
    "normalised_origins",
    "source_span",
]
