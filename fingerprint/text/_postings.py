"""Which of a fingerprint's hashes an inverted index holds: a fixed sample of hash values.

A registry with a million articles cannot post every winnowed hash (about one per six characters:
685 rows for a 4 KB article). It posts the hashes whose value is 0 modulo `POSTING_SAMPLE`, so the
same passage yields the same posted hashes in every text that holds it (a sample by value, not by
position), and a copy sharing n hashes with a work shares about n / POSTING_SAMPLE posted ones.
A short fingerprint (fewer than `SHORT_FINGERPRINT_HASHES` distinct hashes, a paragraph or two) is
posted whole, and a short query probes all of its hashes: an excerpt finds its work through
every posted hash the two share. The full fingerprint is stored beside the index and decides.

>>> import numpy as np
>>> index_hashes(np.arange(8, dtype=np.int64)).tolist()  # short: all of them
[0, 1, 2, 3, 4, 5, 6, 7]
>>> long = np.arange(1000, dtype=np.int64)
>>> index_hashes(long)[:3].tolist(), len(index_hashes(long))
([0, 4, 8], 250)
"""

from __future__ import annotations

import numpy as np

POSTING_SAMPLE = 4
"""One hash value in this many is posted (value modulo it is 0): a power of two."""

SHORT_FINGERPRINT_HASHES = 128
"""A fingerprint with fewer distinct hashes than this is posted (and probed) whole."""


def index_hashes(distinct_hashes: np.ndarray) -> np.ndarray:
    """The hashes of a fingerprint (its sorted distinct values) an index posts, and a query probes."""
    if len(distinct_hashes) < SHORT_FINGERPRINT_HASHES:
        return distinct_hashes
    return distinct_hashes[(distinct_hashes & (POSTING_SAMPLE - 1)) == 0]
