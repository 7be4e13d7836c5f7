"""A failure at any step of a registration leaves no half-registered work and an intact log."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from registry.registration import article as register_module
from registry.blobs import FileBlobStore
from registry.models import Fingerprint, LogCheckpoint, LogEntry, LogNode, Manifest, TextPosting, Work, WorkVersion
from registry.registration.article import register_article
from registry.tlog.store import DatabaseLog

from .test_register_article import ARTICLE, REQUEST


class Boom(RuntimeError):
    pass


def _explode(*_args, **_kwargs):
    raise Boom("injected failure")


# (object, attribute) of each step, in the order registration runs them
STEPS = [
    pytest.param(register_module, "fingerprint_text", id="fingerprint"),
    pytest.param(register_module, "find_text_matches", id="prior-art-check"),
    pytest.param("signer", "sign_article", id="sign-manifest"),
    pytest.param(FileBlobStore, "put", id="store-blobs"),
    pytest.param(DatabaseLog, "append", id="log-append"),
    pytest.param(register_module, "insert_rows", id="insert-rows"),
    pytest.param(DatabaseLog, "publish_checkpoint", id="sign-checkpoint"),
    pytest.param(DatabaseLog, "receipt", id="build-receipt"),
]


def _state(registry):
    with registry.db.reading() as session:
        counts = tuple(session.exec(select(func.count()).select_from(m)).one()
                       for m in (Work, WorkVersion, Manifest, Fingerprint, TextPosting, LogEntry, LogNode, LogCheckpoint))
        checkpoint = registry.log.latest_checkpoint(session)
        return counts, checkpoint.size, checkpoint.root_hash


@pytest.mark.parametrize(("target", "attribute"), STEPS)
def test_failing_each_step_stores_nothing(registry, monkeypatch, target, attribute):
    register_article(registry, ARTICLE.replace("harbour", "river").encode(), REQUEST)  # a non-empty log
    before = _state(registry)
    monkeypatch.setattr(registry.manifest_signer if target == "signer" else target, attribute, _explode)
    with pytest.raises(Boom):
        register_article(registry, ARTICLE.encode(), REQUEST)
    assert _state(registry) == before
    monkeypatch.undo()
    with registry.db.reading() as session:
        registry.log.check_root(session)
    result = register_article(registry, ARTICLE.encode(), REQUEST)  # the same bytes register afterwards
    assert result.log_index == 1
