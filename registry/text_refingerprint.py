"""Text fingerprints made by an older algorithm, made again from the registered text.

A fingerprint's algorithm is stored beside it (`Fingerprint.algorithm`). When the text algorithm
changes (``text-winnow-v2`` folds traditional Chinese to simplified), the fingerprints made before
are recomputed from the stored canonical text, with their inverted-index rows, one work per
transaction: `aigc-registry migrate` does it after the schema. A text the change does not affect
keeps its hashes and only gets the new name. The log is not touched: a registration statement's
``fingerprint_sha256`` names the fingerprint as it was made at registration.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import col, func, select

from fingerprint.text import ALGORITHM, TextFingerprint, fingerprint_text

from .models import Fingerprint, WorkVersion
from .registration.steps import delete_text_postings, insert_text_postings

log = logging.getLogger(__name__)
OLDER_TEXT_ALGORITHMS = ("text-winnow-v1",)


@dataclass(frozen=True)
class Refingerprinted:
    checked: int
    changed: int

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def older_text_fingerprints(session) -> int:  # type: ignore[no-untyped-def]
    return int(session.exec(select(func.count()).select_from(Fingerprint).where(
        col(Fingerprint.algorithm).in_(OLDER_TEXT_ALGORITHMS))).one())


def refingerprint_texts(registry, progress: Callable[[int, int], None] | None = None) -> Refingerprinted:  # type: ignore[no-untyped-def]
    """Recompute every text fingerprint of an older algorithm; returns how many were checked and
    how many changed."""
    with registry.db.reading() as session:
        rows = session.exec(select(Fingerprint.id, WorkVersion.sha256)
                            .join(WorkVersion, WorkVersion.id == Fingerprint.version_id)  # type: ignore[arg-type]
                            .where(col(Fingerprint.algorithm).in_(OLDER_TEXT_ALGORITHMS))
                            .order_by(col(Fingerprint.id))).all()
    changed = 0
    for done, (fingerprint_id, content_sha256) in enumerate(rows, start=1):
        text = registry.blobs.get(content_sha256).decode("utf-8")  # the canonical text, as registered
        fingerprint = fingerprint_text(text)
        data = fingerprint.to_bytes()
        with registry.db.writing() as session:
            row = session.get(Fingerprint, fingerprint_id)
            if row is None or row.algorithm not in OLDER_TEXT_ALGORITHMS:
                continue  # another process did it meanwhile
            stored = TextFingerprint.from_bytes(bytes(row.data))
            if stored != fingerprint:  # by value: the stored bytes may be of an older format
                delete_text_postings(session, fingerprint_id, stored.distinct_hashes)
                row.data, row.sha256 = data, hashlib.sha256(data).hexdigest()
                insert_text_postings(session, fingerprint_id, fingerprint.distinct_hashes)
                changed += 1
            row.algorithm = ALGORITHM
            session.add(row)
        if progress is not None:
            progress(done, len(rows))
    return Refingerprinted(len(rows), changed)
