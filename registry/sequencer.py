"""Group commit for the transparency log: batches of appends, one transaction and one checkpoint each.

Writers (a registration, a ledger entry) hand the sequencer their leaf and a function that writes
their rows given the leaf's index, then wait. The sequencer thread takes whatever has queued (up to
`log_batch_size`, waiting at most `log_batch_wait_ms` for more after the first) and runs the batch
in ONE transaction: under the log lock, each item writes its rows in its own savepoint (a failing
item is rolled back alone and gets its error), then its leaf is appended; one checkpoint is signed
for the batch; the transaction commits; each waiting writer gets its index and receipt. A crash
before the commit leaves nothing of the batch; after it, everything. Several processes each run a
sequencer; the database lock orders their batches.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlmodel import Session

from .database import Database
from .errors import IntegrityError
from .tlog.store import DatabaseLog

RowWriter = Callable[[Session, int], None]


@dataclass(frozen=True)
class Sequenced:
    index: int
    receipt: str
    batch_size: int


@dataclass
class _Item:
    leaf: bytes
    write_rows: RowWriter
    future: Future = field(default_factory=Future)


_STOP = object()


class Sequencer:
    def __init__(self, db: Database, log: DatabaseLog, *, batch_size: int = 256, batch_wait_ms: float = 0.0) -> None:
        self.db, self.log = db, log
        self.batch_size, self.batch_wait = batch_size, batch_wait_ms / 1000
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, leaf: bytes, write_rows: RowWriter) -> Sequenced:
        """Append `leaf` with the rows `write_rows(session, index)` writes; block until committed.
        Raises whatever `write_rows` raised (nothing of this item is stored then)."""
        return self.submit_async(leaf, write_rows).result()

    def submit_async(self, leaf: bytes, write_rows: RowWriter) -> Future:
        """Queue `leaf` and its rows without waiting: the returned future holds the `Sequenced` once
        the batch commits (or the error). A bulk import queues many, so they share batches."""
        item = _Item(leaf, write_rows)
        self._ensure_running()
        self._queue.put(item)
        return item.future

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
            self._thread = None

    def _ensure_running(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="log-sequencer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch, stop = [first], False
            deadline = time.monotonic() + self.batch_wait
            while len(batch) < self.batch_size:
                try:
                    remaining = deadline - time.monotonic()
                    item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Item]) -> None:
        done: list[tuple[_Item, int]] = []
        failed: list[tuple[_Item, BaseException]] = []
        try:
            with self.db.writing() as session:
                self.log.lock(session)
                for item in batch:
                    index = self.log.size(session)
                    try:
                        with session.begin_nested():
                            item.write_rows(session, index)
                    except Exception as e:  # noqa: BLE001 - the item's own failure, reported to its writer
                        failed.append((item, e))
                        continue
                    (appended,) = self.log.append(session, [item.leaf])
                    if appended != index:
                        raise IntegrityError(f"leaf is already in the log at index {appended}, expected a new "
                                             f"entry at {index}")
                    done.append((item, index))
                checkpoint = self.log.publish_checkpoint(session)
                receipts = [self.log.receipt(session, index, checkpoint).to_text() for _item, index in done]
        except BaseException as e:  # the batch rolled back: every writer learns it
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(e)
            if not isinstance(e, Exception):
                raise
            return
        for (item, index), receipt in zip(done, receipts, strict=True):
            item.future.set_result(Sequenced(index, receipt, len(batch)))
        for item, error in failed:
            item.future.set_exception(error)
