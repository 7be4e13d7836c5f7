"""Group commit: concurrent appends share transactions and checkpoints; a failing item stands alone."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import func, select

from registry.models import LogCheckpoint
from registry.sequencer import Sequencer
from registry.tlog.merkle import leaf_hash
from registry.tlog.receipt import Receipt, verify_receipt


def _no_rows(session, index):  # a bare log append, as the log bench does
    return None


def test_concurrent_appends_are_batched_into_fewer_checkpoints(registry):
    gate = threading.Barrier(16)

    def append(n: int):
        gate.wait()
        return registry.sequencer.submit(f"leaf {n}".encode(), _no_rows)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(append, range(64)))
    assert sorted(r.index for r in results) == list(range(64))
    assert max(r.batch_size for r in results) > 1
    with registry.db.reading() as session:
        checkpoints = session.exec(select(func.count()).select_from(LogCheckpoint)).one()
        registry.log.check_root(session)
        for result in results:  # every receipt proves its leaf against its batch's checkpoint
            leaf = registry.log.entry(session, result.index).leaf
            verify_receipt(Receipt.from_text(result.receipt), leaf, registry.keys.log_verifier)
    assert checkpoints < 1 + 64  # the empty tree's, then fewer than one per append


def test_batch_size_and_wait_are_honoured(registry):
    sequencer = Sequencer(registry.db, registry.log, batch_size=4, batch_wait_ms=200)
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda n: sequencer.submit(f"w{n}".encode(), _no_rows), range(8)))
    finally:
        sequencer.close()
    assert max(r.batch_size for r in results) == 4  # waited for company, but never more than 4


def test_a_failing_writer_is_rolled_back_alone(registry):
    barrier = threading.Barrier(6)

    def submit(n: int):
        barrier.wait()

        def rows(session, index):
            if n == 3:
                raise ValueError("writer 3 fails")

        return registry.sequencer.submit(f"item {n}".encode(), rows)

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(submit, n) for n in range(6)]
    with pytest.raises(ValueError, match="writer 3 fails"):
        futures[3].result()
    indexes = sorted(f.result().index for n, f in enumerate(futures) if n != 3)
    assert indexes == list(range(5))  # no gap where the failed item would have been
    with registry.db.reading() as session:
        assert registry.log.size(session) == 5
        assert registry.log.index_of_leaf_hash(session, leaf_hash(b"item 3")) is None


def test_a_failing_checkpoint_fails_the_whole_batch_and_stores_nothing(registry, monkeypatch):
    from registry.tlog.store import DatabaseLog

    def broken(self, session):
        raise RuntimeError("signing failed")

    monkeypatch.setattr(DatabaseLog, "publish_checkpoint", broken)
    with pytest.raises(RuntimeError, match="signing failed"):
        registry.sequencer.submit(b"doomed", _no_rows)
    monkeypatch.undo()
    with registry.db.reading() as session:
        assert registry.log.size(session) == 0
    assert registry.sequencer.submit(b"fine", _no_rows).index == 0  # the sequencer survived
