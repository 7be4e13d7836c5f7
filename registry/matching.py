"""Find the registered works a suspect copies: candidates from the database index, then alignment.

Stock phrases ("said in a statement") give hashes that many works share, so candidates are ranked
by the query's rare hashes only: one indexed lookup of each query hash's document frequency, then
one of the postings of the rare ones. The best-ranked fingerprints sharing at least a passage's worth
of rare hashes are aligned with `fingerprint.text.compare_texts`, which decides whether each is a
copy and where. The alignment always uses the full fingerprints.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import BigInteger, any_, bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, select

from fingerprint.text import MIN_PASSAGE_HASHES, TextFingerprint, compare_texts, fingerprint_text
from fingerprint.errors import FingerprintError
from provenance.article import canonicalise_article
from provenance.errors import ProvenanceError

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


@dataclass(frozen=True)
class WorkMatch:
    work_id: str
    title: str | None
    kind: str | None
    score: float
    passages: tuple[dict, ...] = ()
    segments: tuple[dict, ...] | None = None  # videos and images: time ranges in seconds
    restricted: str | None = None  # set when the caller may only learn that this work matches

    def to_dict(self) -> dict:
        if self.restricted is not None:
            return {"work_id": self.work_id, "score": round(self.score, 4), "restricted": True,
                    "note": self.restricted}
        found = {"segments": list(self.segments)} if self.segments is not None else {"passages": list(self.passages)}
        return {"work_id": self.work_id, "title": self.title, "kind": self.kind,
                "score": round(self.score, 4), **found}


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
                               restricted=f"{RESTRICTED_NOTE} {registry.settings.contact}"))
    if audits:
        with registry.db.writing() as session:
            for action, work_id in audits:
                record_audit(session, principal, action, target=f"work:{work_id}")
    return shown


def _hash_filters(session: Session, values: list[int]):  # type: ignore[no-untyped-def]
    """WHERE clauses selecting `values`: one bigint[] parameter on PostgreSQL, bounded IN lists elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        yield TextHash.hash == any_(bindparam("hashes", values, type_=ARRAY(BigInteger)))
        return
    for start in range(0, len(values), _IN_CHUNK):
        yield TextHash.hash.in_(values[start : start + _IN_CHUNK])  # type: ignore[attr-defined]


def _rare_hashes(session: Session, hashes: list[int]) -> list[int]:
    """The query hashes that few stored fingerprints hold (stock phrases make common hashes).

    Every hash at most max(COMMON_HASH_MIN_DF, 1% of fingerprints) common, and never fewer than the
    RARE_HASHES_MIN rarest: a work registered many times over still has its own hashes ranked.
    """
    document_frequency: dict[int, int] = {}
    for where in _hash_filters(session, hashes):
        rows = session.exec(select(TextHash.hash, func.count()).where(where).group_by(TextHash.hash)).all()
        document_frequency.update((int(value), int(count)) for value, count in rows)
    total = session.exec(select(func.count()).select_from(Fingerprint)).one()
    cutoff = max(COMMON_HASH_MIN_DF, total // 100)
    stored = sorted(document_frequency, key=lambda value: (document_frequency[value], value))
    rare = [value for value in stored if document_frequency[value] <= cutoff]
    return rare if len(rare) >= RARE_HASHES_MIN else stored[:RARE_HASHES_MIN]


def find_text_matches(session: Session, query: TextFingerprint, *, limit: int = 10) -> list[WorkMatch]:
    hashes = query.distinct_hashes.tolist()  # sorted distinct values, without a set of the query's hashes
    if not hashes:
        return []
    shared: Counter[int] = Counter()
    for where in _hash_filters(session, _rare_hashes(session, hashes)):
        rows = session.exec(
            select(TextHash.fingerprint_id, func.count()).where(where).group_by(TextHash.fingerprint_id)
        ).all()
        for fingerprint_id, count in rows:
            shared[fingerprint_id] += count
    candidates = [fid for fid, count in shared.most_common(CANDIDATES) if count >= MIN_PASSAGE_HASHES]
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


def match_article(registry, raw: bytes, *, limit: int = 10,  # type: ignore[no-untyped-def]
                  principal: Principal = OPERATOR) -> list[WorkMatch]:
    """The registered articles a suspect text copies, best first (another organisation's
    unpublished works only as restricted matches)."""
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
        found = find_text_matches(session, query, limit=limit)
    return restrict_matches(registry, principal, found)
