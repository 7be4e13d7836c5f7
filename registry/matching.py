"""Find the registered works a suspect copies: candidates from the database index, then alignment.

Candidates are the fingerprints sharing the most distinct selected hashes with the query (one
indexed `IN` lookup per chunk of hashes). A fingerprint sharing fewer than `MIN_MATCHED_HASHES`
can never be a copy, so only the others are aligned with `fingerprint.text.compare_texts`, which
decides whether it is a copy and where.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from fingerprint.text import MIN_MATCHED_HASHES, TextFingerprint, compare_texts, fingerprint_text
from fingerprint.errors import FingerprintError
from provenance.article import canonicalise_article
from provenance.errors import ProvenanceError

from .errors import InvalidInputError, PayloadTooLargeError
from .models import Fingerprint, TextHash, Work, WorkVersion

CANDIDATES = 50  # fingerprints aligned per query, most shared distinct hashes first
_IN_CHUNK = 500  # bound parameters per IN (...) lookup


@dataclass(frozen=True)
class WorkMatch:
    work_id: str
    title: str
    kind: str
    score: float
    passages: tuple[dict, ...]

    def to_dict(self) -> dict:
        return {"work_id": self.work_id, "title": self.title, "kind": self.kind,
                "score": round(self.score, 4), "passages": list(self.passages)}


def find_text_matches(session: Session, query: TextFingerprint, *, limit: int = 10) -> list[WorkMatch]:
    hashes = sorted(set(query.hashes))
    if not hashes:
        return []
    shared: Counter[int] = Counter()
    for start in range(0, len(hashes), _IN_CHUNK):
        chunk = hashes[start : start + _IN_CHUNK]
        rows = session.exec(
            select(TextHash.fingerprint_id, func.count())
            .where(TextHash.hash.in_(chunk))  # type: ignore[attr-defined]
            .group_by(TextHash.fingerprint_id)
        ).all()
        for fingerprint_id, count in rows:
            shared[fingerprint_id] += count
    candidates = [fid for fid, count in shared.most_common(CANDIDATES) if count >= MIN_MATCHED_HASHES]
    if not candidates:
        return []
    rows = session.exec(
        select(Fingerprint, WorkVersion, Work)
        .join(WorkVersion, WorkVersion.id == Fingerprint.version_id)  # type: ignore[arg-type]
        .join(Work, Work.id == WorkVersion.work_id)  # type: ignore[arg-type]
        .where(Fingerprint.id.in_(candidates))  # type: ignore[union-attr]
    ).all()
    matches = []
    for fingerprint, _version, work in rows:
        match = compare_texts(query, TextFingerprint.from_bytes(fingerprint.data))
        if match is not None:
            matches.append(WorkMatch(work_id=work.id, title=work.title, kind=work.kind, score=match.score,
                                     passages=tuple(p.to_dict() for p in match.passages)))
    matches.sort(key=lambda m: (-m.score, m.work_id))
    return matches[:limit]


def match_article(registry, raw: bytes, *, limit: int = 10) -> list[WorkMatch]:  # type: ignore[no-untyped-def]
    """The registered articles a suspect text copies, best first."""
    if len(raw) > registry.settings.max_article_bytes:
        raise PayloadTooLargeError(
            f"text is {len(raw)} bytes, the limit is {registry.settings.max_article_bytes} bytes"
        )
    try:
        text = canonicalise_article(raw)
        query = fingerprint_text(text)
    except (ProvenanceError, FingerprintError) as e:
        raise InvalidInputError(str(e)) from e
    with registry.db.reading() as session:
        return find_text_matches(session, query, limit=limit)
