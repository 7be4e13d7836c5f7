"""Find the registered works a suspect copies: candidates from the database index, then alignment.

Stock phrases ("said in a statement") give hashes that many works share, so candidates are ranked
by the query's rare hashes only: one indexed lookup of the postings of the query's hashes gives
each hash's document frequency and the fingerprints holding the rare ones. The best-ranked fingerprints sharing at least a passage's worth
of rare hashes are aligned with `fingerprint.text.compare_texts`, which decides whether each is a
copy and where. The alignment always uses the full fingerprints.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from itertools import chain

import numpy as np

from sqlalchemy import BigInteger, any_, bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, select

from fingerprint.text import (
    MIN_PASSAGE_HASHES,
    VERDICTS,
    TextFingerprint,
    compare_texts,
    fingerprint_text,
    locate_passages,
    normalise_for_matching,
)
from fingerprint.errors import FingerprintError

from .article_input import read_article
from .accounts.access import RESTRICTED_NOTE, can_see, read_from_outside
from .accounts.audit import record_audit
from .accounts.principal import OPERATOR, Principal
from .errors import InvalidInputError, PayloadTooLargeError
from .models import Fingerprint, TextHash, Work, WorkVersion

CANDIDATES = 50  # fingerprints aligned per query, most shared rare hashes first
COMMON_HASH_MIN_DF = 32  # a hash in more fingerprints than this (or 1% of them) is common
RARE_HASHES_MIN = 64  # rank by at least this many of the query's rarest hashes, common or not
# bound parameters per IN (...) lookup: SQLite 3.32 and later allow 32,766, older ones 999
_IN_CHUNK = 8000 if sqlite3.sqlite_version_info >= (3, 32) else 900
_ARRAY_CHUNK = 1 << 16  # hashes per bigint[] parameter on PostgreSQL


@dataclass(frozen=True)
class WorkMatch:
    work_id: str
    title: str | None
    kind: str | None
    score: float
    passages: tuple[dict, ...] = ()
    segments: tuple[dict, ...] | None = None  # videos and images: time ranges in seconds
    restricted: str | None = None  # set when the caller may only learn that this work matches
    verdict: str | None = None  # texts: "copy" or "shares_passages" (fingerprint.text.COPY_COVERAGE)
    suspect_coverage: float | None = None  # texts: the share of the suspect inside the passages
    work_coverage: float | None = None  # ... and of the registered work

    def to_dict(self) -> dict:
        judged = {"verdict": self.verdict} if self.verdict is not None else {}
        if self.restricted is not None:
            return {"work_id": self.work_id, "score": round(self.score, 4), **judged, "restricted": True,
                    "note": self.restricted}
        if self.segments is not None:
            found: dict = {"segments": list(self.segments)}
        else:
            found = {**judged, "suspect_coverage": self.suspect_coverage, "work_coverage": self.work_coverage,
                     "passages": list(self.passages)}
        return {"work_id": self.work_id, "title": self.title, "kind": self.kind,
                "score": round(self.score, 4), **found}


def with_verdict(matches: list[WorkMatch], verdict: str | None) -> list[WorkMatch]:
    """Only the text matches of that verdict (all matches when `verdict` is None); video and image
    matches have none and are kept only when no verdict is asked for."""
    if verdict is None:
        return matches
    if verdict not in VERDICTS:
        raise InvalidInputError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    return [m for m in matches if m.verdict == verdict]


def restrict_matches(registry, principal: Principal, matches: list[WorkMatch]) -> list[WorkMatch]:  # type: ignore[no-untyped-def]
    """Matches with works the caller may not see (another organisation's unpublished works) keep
    only their id and score and a note naming whom to ask (`settings.contact`); such hits, and an
    admin's sight of an unpublished work, are audited (a write only when there is one to record)."""
    if not matches or principal.kind == "operator":
        return matches
    with registry.db.reading() as session:
        works = {w.id: w for w in session.exec(select(Work).where(Work.id.in_([m.work_id for m in matches])))}  # type: ignore[attr-defined]
    shown, audits = [], []
    for match in matches:
        work = works.get(match.work_id)
        if work is not None and can_see(principal, work):
            if read_from_outside(principal, work):
                audits.append(("read-unpublished:match", work.id))
            shown.append(match)
            continue
        audits.append(("restricted-match", match.work_id))
        shown.append(WorkMatch(work_id=match.work_id, title=None, kind=None, score=match.score,
                               restricted=f"{RESTRICTED_NOTE} {registry.settings.contact}", verdict=match.verdict))
    if audits:
        with registry.db.writing() as session:
            for action, work_id in audits:
                record_audit(session, principal, action, target=f"work:{work_id}")
    return shown


def _postings(session: Session, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stored ``(hash, fingerprint id)`` rows holding any of ``hashes``, as two int64 arrays.

    One bigint[] parameter on PostgreSQL; on SQLite, plain ``?`` lists of ``_IN_CHUNK`` values run
    on the driver (SQLAlchemy's expanding IN costs about a microsecond a value to compile: most of
    the time of a 10 MB suspect's 1.5 million hashes).
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        parts = []
        for start in range(0, len(hashes), _ARRAY_CHUNK):  # bounded parameters and results
            rows = session.exec(select(TextHash.hash, TextHash.fingerprint_id).where(TextHash.hash == any_(
                bindparam("hashes", hashes[start : start + _ARRAY_CHUNK].tolist(), type_=ARRAY(BigInteger))))).all()
            parts.append(_pairs(rows))
    else:
        parts = []
        cursor = connection.connection.cursor()  # the driver's own: plain tuples, no Row objects
        try:
            for start in range(0, len(hashes), _IN_CHUNK):
                chunk = hashes[start : start + _IN_CHUNK].tolist()
                cursor.execute(f"SELECT hash, fingerprint_id FROM text_hash WHERE hash IN ({','.join('?' * len(chunk))})",
                               chunk)
                parts.append(_pairs(cursor.fetchall()))  # arrays at once: 16 bytes a row, not ~100
        finally:
            cursor.close()
    found = np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.int64)
    return found[:, 0], found[:, 1]


def _pairs(rows) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows)).reshape(-1, 2)


def _rare_hashes(found_hashes: np.ndarray, fingerprints: int) -> np.ndarray:
    """Of the query hashes stored somewhere, those that few stored fingerprints hold (stock phrases
    make common hashes).

    Every hash at most max(COMMON_HASH_MIN_DF, 1% of fingerprints) common, and never fewer than the
    RARE_HASHES_MIN rarest: a work registered many times over still has its own hashes ranked.
    """
    values, document_frequency = np.unique(found_hashes, return_counts=True)
    order = np.lexsort((values, document_frequency))  # rarest first, then by value
    values, document_frequency = values[order], document_frequency[order]
    rare = values[document_frequency <= max(COMMON_HASH_MIN_DF, fingerprints // 100)]
    return rare if len(rare) >= RARE_HASHES_MIN else values[:RARE_HASHES_MIN]


def _candidates(session: Session, found_hashes: np.ndarray, fingerprint_ids: np.ndarray) -> list[int]:
    """The stored fingerprints sharing the most rare hashes with the query (at least a passage's worth)."""
    if len(found_hashes) == 0:
        return []
    fingerprints = session.exec(select(func.count()).select_from(Fingerprint)).one()
    ranked = np.isin(found_hashes, _rare_hashes(found_hashes, fingerprints))
    ids, shared = np.unique(fingerprint_ids[ranked], return_counts=True)
    best = np.lexsort((ids, -shared))[:CANDIDATES]  # most shared rare hashes first, then by id
    return [int(fid) for fid in ids[best][shared[best] >= MIN_PASSAGE_HASHES]]


def find_text_matches(session: Session, query: TextFingerprint, *, limit: int = 10) -> list[WorkMatch]:
    hashes = query.distinct_hashes  # sorted distinct values, without a set of the query's hashes
    if len(hashes) == 0:
        return []
    candidates = _candidates(session, *_postings(session, hashes))
    if not candidates:
        return []
    works = session.exec(
        select(Fingerprint.id, Work)
        .join(WorkVersion, WorkVersion.id == Fingerprint.version_id)  # type: ignore[arg-type]
        .join(Work, Work.id == WorkVersion.work_id)  # type: ignore[arg-type]
        .where(Fingerprint.id.in_(candidates))  # type: ignore[union-attr]
    ).all()
    matches = []
    for fingerprint_id, work in works:  # one stored fingerprint in memory at a time (10 MB texts: 18 MB each)
        data = session.exec(select(Fingerprint.data).where(Fingerprint.id == fingerprint_id)).one()
        match = compare_texts(query, TextFingerprint.from_bytes(data))
        del data
        if match is not None:
            matches.append(WorkMatch(work_id=work.id, title=work.title, kind=work.kind, score=match.score,
                                     passages=tuple(p.to_dict() for p in match.passages), verdict=match.verdict,
                                     suspect_coverage=match.query_coverage, work_coverage=match.work_coverage))
    matches.sort(key=lambda m: (-m.score, m.work_id))
    return matches[:limit]


def locate_in_texts(registry, matches: list[WorkMatch], suspect: str, query: TextFingerprint,  # type: ignore[no-untyped-def]
                    sources: np.ndarray | None = None) -> list[WorkMatch]:
    """Text matches with their passages also placed in the suspect as sent (`suspect_text_start`,
    `suspect_text_end`: characters of `suspect`, or through `sources` of the markup it came from)
    and in the registered work's text (`work_text_start`, `work_text_end`)."""
    texts = [m for m in matches if m.passages and m.segments is None]
    if not texts:
        return matches
    with registry.db.reading() as session:
        versions = dict(session.exec(select(WorkVersion.work_id, WorkVersion.sha256).where(
            WorkVersion.work_id.in_([m.work_id for m in texts]))).all())  # type: ignore[attr-defined]
    located = []
    for match in matches:
        if match in texts and match.work_id in versions:
            work_text = registry.blobs.get(versions[match.work_id]).decode("utf-8")
            passages = locate_passages(list(match.passages), suspect, query.length, work_text,
                                       len(normalise_for_matching(work_text)), sources)
            match = replace(match, passages=tuple(passages))
        located.append(match)
    return located


def match_article(registry, raw: bytes, *, limit: int = 10,  # type: ignore[no-untyped-def]
                  principal: Principal = OPERATOR, filename: str | None = None,
                  text_format: str | None = None) -> list[WorkMatch]:
    """The registered articles a suspect text copies, best first (another organisation's
    unpublished works only as restricted matches). HTML and Markdown suspects (`text_format`, or
    judged from `filename` and the first tag) are matched by their text, and their passages placed
    in the markup sent."""
    if len(raw) > registry.settings.max_article_bytes:
        raise PayloadTooLargeError(
            f"text is {len(raw)} bytes, the limit is {registry.settings.max_article_bytes} bytes"
        )
    article = read_article(raw, filename=filename, declared=text_format)
    try:
        query = fingerprint_text(article.text)
    except FingerprintError as e:
        raise InvalidInputError(str(e)) from e
    with registry.db.reading() as session:
        found = find_text_matches(session, query, limit=limit)
    located = locate_in_texts(registry, found, article.text, query, article.sources)
    return restrict_matches(registry, principal, located)
