"""Find the registered works a suspect copies: candidates from the database index, then alignment.

The index (``text_posting``) holds a fixed sample of each fingerprint's hashes
(`fingerprint.text.index_hashes`). A query probes its own sample, at most ``COMMON_HASH_MIN_DF + 1``
postings a hash: that bounds a query's work whatever the registry's size, and tells each hash's
document frequency up to the bound. Stock phrases ("said in a statement") give hashes that many
works share, so candidates are ranked by the query's rare hashes only; the best-ranked fingerprints
are aligned with `fingerprint.text.compare_texts`, on the full fingerprints, which decides whether
each is a copy and where.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from itertools import chain

import numpy as np

from sqlmodel import Session, select

from fingerprint.text import (
    COPY_COVERAGE,
    MIN_PASSAGE_HASHES,
    VERDICTS,
    TextFingerprint,
    compare_texts,
    fingerprint_text,
    index_hashes,
    locate_passages,
    normalise_for_matching,
)
from fingerprint.errors import FingerprintError

from .registration.article_input import read_article
from .accounts.access import RESTRICTED_NOTE, can_see, read_from_outside
from .accounts.audit import record_audit
from .accounts.principal import OPERATOR, Principal
from .errors import InvalidInputError, PayloadTooLargeError
from .models import Fingerprint, Work, WorkVersion

CANDIDATES = 50  # fingerprints aligned per query, most shared rare hashes first
COMMON_HASH_MIN_DF = 32  # a hash posted by more fingerprints than this is common (not ranked)
RARE_HASHES_MIN = 16  # rank by at least this many of the query's rarest posted hashes, common or not
MIN_CANDIDATE_WEIGHT = 2.0  # sum of 1/df of the rare posted hashes a fingerprint shares with the query, to be aligned
MIN_CANDIDATE_POSTINGS = 2  # ... or, when the query's hashes are all common, how many it shares
_IN_CHUNK = 8000  # hashes probed per statement


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
    """The stored ``(hash, fingerprint id)`` postings of ``hashes``, as two int64 arrays: at most
    ``COMMON_HASH_MIN_DF + 1`` a hash (the lowest fingerprint ids), so a stock phrase posted by
    half a million articles costs what a rare one does, and a hash returned that many times is
    common. One statement per ``_IN_CHUNK`` hashes, run on the driver: on PostgreSQL a LATERAL
    probe of each value of a bigint[] parameter, on SQLite a probe of each value of a JSON array
    (both index range scans on the ``(hash, fingerprint_id)`` key).
    """
    connection = session.connection()
    per_hash = COMMON_HASH_MIN_DF + 1
    parts = []
    cursor = connection.connection.cursor()  # the driver's own: plain tuples, no Row objects
    try:
        for start in range(0, len(hashes), _IN_CHUNK):
            chunk = hashes[start : start + _IN_CHUNK].tolist()
            if connection.dialect.name == "postgresql":
                cursor.execute("SELECT q.h, p.fingerprint_id FROM unnest(%s::bigint[]) AS q(h) CROSS JOIN LATERAL "
                               "(SELECT fingerprint_id FROM text_posting WHERE hash = q.h "
                               "ORDER BY fingerprint_id LIMIT %s) AS p", (chunk, per_hash))
            else:
                cursor.execute("SELECT p.hash, p.fingerprint_id FROM json_each(?) AS q JOIN text_posting AS p "
                               "ON p.hash = q.value AND p.fingerprint_id <= coalesce((SELECT fingerprint_id "
                               "FROM text_posting WHERE hash = q.value ORDER BY fingerprint_id LIMIT 1 OFFSET ?), "
                               "9223372036854775807)", (json.dumps(chunk), per_hash - 1))
            parts.append(_pairs(cursor.fetchall()))  # arrays at once: 16 bytes a row, not ~100
    finally:
        cursor.close()
    found = np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.int64)
    return found[:, 0], found[:, 1]


def _pairs(rows) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows)).reshape(-1, 2)


def _rare_hashes(found_hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Of the query hashes posted somewhere, those that few stored fingerprints hold (stock phrases
    make common hashes: at most COMMON_HASH_MIN_DF), with their document frequencies, and whether
    they are; when fewer than RARE_HASHES_MIN are, the RARE_HASHES_MIN rarest, so a work registered
    many times over still has its own hashes ranked."""
    values, document_frequency = np.unique(found_hashes, return_counts=True)
    order = np.lexsort((values, document_frequency))  # rarest first, then by value
    values, document_frequency = values[order], document_frequency[order]
    rare = document_frequency <= COMMON_HASH_MIN_DF
    if rare.sum() >= RARE_HASHES_MIN:
        return values[rare], document_frequency[rare], True
    return values[:RARE_HASHES_MIN], document_frequency[:RARE_HASHES_MIN], False


def _candidates(found_hashes: np.ndarray, fingerprint_ids: np.ndarray, probed: int) -> list[int]:
    """The stored fingerprints worth aligning with the query, best first: ranked by the rare posted
    hashes they share with it, each weighing 1 / its document frequency (a phrase of this story
    alone weighs 1, one that 20 articles use 0.05), at least MIN_CANDIDATE_WEIGHT together; when
    the query's hashes are all common, by how many they share (at least MIN_CANDIDATE_POSTINGS,
    or one when the query probed fewer than a passage's worth)."""
    if len(found_hashes) == 0:
        return []
    values, document_frequency, rare = _rare_hashes(found_hashes)
    by_value = np.argsort(values)
    values, document_frequency = values[by_value], document_frequency[by_value]
    at = np.minimum(np.searchsorted(values, found_hashes), len(values) - 1)
    ranked = values[at] == found_hashes  # the postings of ranked hashes
    weights = 1.0 / document_frequency[at[ranked]] if rare else np.ones(int(ranked.sum()))
    ids, inverse = np.unique(fingerprint_ids[ranked], return_inverse=True)
    weight = np.bincount(inverse, weights=weights, minlength=len(ids))
    least = (MIN_CANDIDATE_WEIGHT if rare else MIN_CANDIDATE_POSTINGS) if probed >= MIN_PASSAGE_HASHES else 1
    best = np.lexsort((ids, -weight))[:CANDIDATES]  # heaviest first, then by id
    return [int(fid) for fid in ids[best][weight[best] >= least - 1e-9]]


def find_text_matches(session: Session, query: TextFingerprint, *, limit: int = 10) -> list[WorkMatch]:
    hashes = index_hashes(query.distinct_hashes)  # sorted distinct values: the ones an index posts
    if len(hashes) == 0:
        return []
    candidates = _candidates(*_postings(session, hashes), probed=len(hashes))
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


MIN_TEXT_BINDING_SHARE = COPY_COVERAGE
"""Of a text binding value's hashes (`registry.soft_binding.bindings`), the share a work must hold to match it:
what makes a copy by its passages (``COPY_COVERAGE``), so a shared quote does not resolve."""


def find_text_binding_matches(session: Session, hashes: np.ndarray, *, limit: int = 10) -> list[WorkMatch]:
    """The registered articles holding a text binding value's hashes, best first: candidates from
    the index (the fingerprints posting most of them), then each scored by the share of the
    value's hashes its full fingerprint holds (at least MIN_TEXT_BINDING_SHARE)."""
    if len(hashes) == 0:
        return []
    _, fingerprint_ids = _postings(session, hashes)
    ids, counts = np.unique(fingerprint_ids, return_counts=True)
    enough = counts >= max(1.0, MIN_TEXT_BINDING_SHARE * len(hashes) / 2)  # the capped probe may miss some
    best = ids[enough][np.lexsort((ids[enough], -counts[enough]))][:CANDIDATES].tolist()
    if not best:
        return []
    rows = session.exec(
        select(Fingerprint.id, Fingerprint.data, Work)
        .join(WorkVersion, WorkVersion.id == Fingerprint.version_id)  # type: ignore[arg-type]
        .join(Work, Work.id == WorkVersion.work_id)  # type: ignore[arg-type]
        .where(Fingerprint.id.in_(best))  # type: ignore[union-attr]
    ).all()
    matches = []
    for _, data, work in rows:
        held = np.isin(hashes, TextFingerprint.from_bytes(data).distinct_hashes, assume_unique=True)
        share = float(held.mean())
        if share >= MIN_TEXT_BINDING_SHARE:
            matches.append(WorkMatch(work_id=work.id, title=work.title, kind=work.kind, score=share))
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
