"""The text index: a sample of each fingerprint's hashes posted, keyed by (hash, fingerprint)."""

from __future__ import annotations

import numpy as np
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import func, select

from fingerprint.text import POSTING_SAMPLE, SHORT_FINGERPRINT_HASHES, fingerprint_text, index_hashes
from registry.matching import match_article
from registry.models import Fingerprint, TextPosting
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry

from ..conftest import SAMPLES

LONG = SAMPLES / "articles" / "tidepool-snail-study.txt"  # ~3.5 KB: sampled
SHORT = SAMPLES / "articles" / "bolan-lantern-festival.json"  # a brief: posted whole


@given(st.lists(st.integers(-(2**63), 2**63 - 1), unique=True, max_size=400))
def test_the_same_values_are_posted_in_every_text_that_holds_them(values):
    hashes = np.array(sorted(values), dtype=np.int64)
    posted = index_hashes(hashes)
    assert set(posted.tolist()) <= set(values)
    if len(values) < SHORT_FINGERPRINT_HASHES:
        assert posted.tolist() == hashes.tolist()
    else:  # by value: a hash posted in one long text is posted in every long text holding it
        assert posted.tolist() == [v for v in hashes.tolist() if v % POSTING_SAMPLE == 0]


def _postings(registry: Registry) -> dict[int, set[int]]:
    with registry.db.reading() as session:
        rows = session.exec(select(TextPosting.fingerprint_id, TextPosting.hash)).all()
    posted: dict[int, set[int]] = {}
    for fingerprint_id, value in rows:
        posted.setdefault(fingerprint_id, set()).add(value)
    return posted


def _fingerprints(registry: Registry) -> dict[int, np.ndarray]:
    from fingerprint.text import TextFingerprint

    with registry.db.reading() as session:
        rows = session.exec(select(Fingerprint.id, Fingerprint.data)).all()
    return {fid: TextFingerprint.from_bytes(bytes(data)).distinct_hashes for fid, data in rows}


def test_a_long_article_posts_a_quarter_of_its_hashes_and_a_brief_all(registry):
    long_id = register_article(registry, LONG.read_bytes(), RegistrationRequest(model="m")).work_id
    register_article(registry, SHORT.read_bytes(), RegistrationRequest(model="m"), filename=SHORT.name)
    posted, stored = _postings(registry), _fingerprints(registry)
    assert posted == {fid: set(index_hashes(hashes).tolist()) for fid, hashes in stored.items()}
    sizes = sorted((len(posted[fid]), len(hashes)) for fid, hashes in stored.items())
    assert sizes[0][0] == sizes[0][1] < SHORT_FINGERPRINT_HASHES  # the brief: whole
    assert sizes[1][1] / 6 < sizes[1][0] < sizes[1][1] / 2.5  # the long one: about a quarter
    excerpt = LONG.read_text(encoding="utf-8").split("\n\n")[2]  # one paragraph: probed whole
    assert len(fingerprint_text(excerpt).distinct_hashes) < SHORT_FINGERPRINT_HASHES
    assert [m.work_id for m in match_article(registry, excerpt.encode())] == [long_id]


def test_the_migration_fills_the_postings_from_the_stored_fingerprints_and_back(settings):
    registry = Registry.open(settings)
    try:
        work_id = register_article(registry, LONG.read_bytes(), RegistrationRequest(model="m")).work_id
        register_article(registry, SHORT.read_bytes(), RegistrationRequest(model="m"), filename=SHORT.name)
        before, stored = _postings(registry), _fingerprints(registry)
        with registry.db.engine.begin() as connection:  # back to the text_hash of every hash
            command.downgrade(registry.db._alembic_config(connection), "0009")
        with registry.db.engine.connect() as connection:
            rows = connection.execute(text("SELECT fingerprint_id, hash FROM text_hash")).all()
            assert sorted(rows) == sorted((fid, v) for fid, hashes in stored.items() for v in hashes.tolist())
            assert "text_posting" not in connection.dialect.get_table_names(connection)
        registry.db.migrate()
        assert _postings(registry) == before
        with registry.db.reading() as session:
            assert session.exec(select(func.count()).select_from(TextPosting)).one() == sum(map(len, before.values()))
        assert [m.work_id for m in match_article(registry, LONG.read_bytes())] == [work_id]
    finally:
        registry.close()


def test_a_probe_reads_a_bounded_number_of_postings_a_hash(registry, monkeypatch):
    """However many works post a hash, a query reads COMMON_HASH_MIN_DF + 1 of them (the first
    registered): the work a query does does not grow with the registry."""
    from registry import matching

    text_ = LONG.read_text(encoding="utf-8")
    for n in range(5):
        register_article(registry, f"{text_}\nEdition {n}.\n".encode(), RegistrationRequest(model="m"))
    hashes = index_hashes(fingerprint_text(text_).distinct_hashes)
    with registry.db.reading() as session:
        _, unbounded = matching._postings(session, hashes)
        monkeypatch.setattr(matching, "COMMON_HASH_MIN_DF", 2)
        found, bounded = matching._postings(session, hashes)
    assert len(unbounded) > 4 * len(hashes)  # (nearly) every hash is posted by all five
    first_three = sorted(set(unbounded.tolist()))[:3]
    assert max(np.unique(found, return_counts=True)[1]) == 3 and set(bounded.tolist()) == set(first_three)
