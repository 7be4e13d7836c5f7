"""Text fingerprints of the older algorithm (before traditional Chinese was folded) are made again
by `aigc-registry migrate`: a traditional-script work is then found by a simplified copy, a text
the change does not touch keeps its hashes, and the log is left as it was."""

from __future__ import annotations


import numpy as np
import opencc
from sqlmodel import select

from fingerprint.text import ALGORITHM
from registry.matching import match_article
from registry.models import Fingerprint, TextPosting
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.text_refingerprint import older_text_fingerprints

from ..conftest import SAMPLES, run_migrate

CHINESE = SAMPLES / "articles" / "heling-tea-harvest-brief.txt"
ENGLISH = SAMPLES / "articles" / "calder-valley-storm.txt"


def _as_v1(registry: Registry, work_id: str, text: str) -> None:
    """Make the work's fingerprint what text-winnow-v1 stored: hashes of the unfolded text."""
    from fingerprint.text import _normalise
    from registry.registration.steps import insert_text_postings

    fold = _normalise.fold_table
    _normalise.fold_table = lambda: np.zeros(0, dtype=np.uint32)  # v1: no folding (an empty table folds nothing)
    try:
        from fingerprint.text import fingerprint_text

        old = fingerprint_text(text)
    finally:
        _normalise.fold_table = fold
    with registry.db.writing() as session:
        from registry.models import WorkVersion

        row = session.exec(select(Fingerprint).join(WorkVersion, WorkVersion.id == Fingerprint.version_id)
                           .where(WorkVersion.work_id == work_id)).one()
        row.data, row.algorithm = old.to_bytes(), "text-winnow-v1"
        for stale in session.exec(select(TextPosting).where(TextPosting.fingerprint_id == row.id)):
            session.delete(stale)
        session.flush()
        insert_text_postings(session, row.id, old.distinct_hashes)
        session.add(row)


def test_migrate_makes_older_text_fingerprints_again(settings, caplog):
    traditional = opencc.OpenCC("s2t").convert(CHINESE.read_text(encoding="utf-8")).encode()
    registry = Registry.open(settings)
    try:
        zh = register_article(registry, traditional, RegistrationRequest(model="m")).work_id
        en = register_article(registry, ENGLISH.read_bytes(), RegistrationRequest(model="m")).work_id
        for work_id, path_text in ((zh, traditional.decode()), (en, ENGLISH.read_text(encoding="utf-8"))):
            _as_v1(registry, work_id, path_text)
        assert match_article(registry, CHINESE.read_bytes()) == []  # v1 could not meet the simplified copy
        with registry.db.reading() as session:
            english_before = session.exec(select(Fingerprint.data).where(Fingerprint.algorithm == "text-winnow-v1")
                                          .order_by(Fingerprint.id)).all()[-1]
            log_size = registry.log.latest_checkpoint(session).size
    finally:
        registry.close()

    reopened = Registry.open(settings)  # says what to do
    reopened.close()
    assert "2 text fingerprints were made by an older algorithm" in caplog.text

    ran = run_migrate(settings)
    assert ran.returncode == 0, ran.stderr
    assert "2 checked, 1 changed" in ran.stdout

    after = Registry.open(settings)
    try:
        with after.db.reading() as session:
            assert older_text_fingerprints(session) == 0
            rows = session.exec(select(Fingerprint).order_by(Fingerprint.id)).all()
            assert {r.algorithm for r in rows} == {ALGORITHM}
            assert bytes(rows[-1].data) == bytes(english_before)  # untouched by the change: the same hashes
            assert after.log.latest_checkpoint(session).size == log_size
        assert [m.work_id for m in match_article(after, CHINESE.read_bytes())] == [zh]
    finally:
        after.close()
