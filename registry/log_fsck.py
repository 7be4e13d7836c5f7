"""Checking the transparency log stored in the registry's database (``aigc-registry log fsck``).

Entries are streamed in index order in chunks (keyset pagination, so a chunk costs the same at
index 0 and at index 10^7), with the stored nodes those entries complete and the checkpoints whose
size they reach; :class:`registry.tlog.fsck.LogChecker` rebuilds the tree and names the first
stored row that disagrees. Everything is read in one snapshot (a SQLite read transaction, a
PostgreSQL REPEATABLE READ one), so appends running meanwhile neither hide nor fake a disagreement.

>>> import tempfile, pathlib
>>> from registry.service import Registry
>>> from registry.settings import Settings
>>> registry = Registry.open(Settings(data_dir=pathlib.Path(tempfile.mkdtemp()), load_samples=False))
>>> with registry.db.writing() as session:
...     _ = registry.log.append(session, [b"first", b"second", b"third"])
...     _ = registry.log.publish_checkpoint(session)
>>> report = fsck_log(registry)
>>> report.ok, report.entries_checked, report.nodes_checked, report.checkpoints_checked
(True, 3, 4, 2)
>>> registry.close()
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, func, or_, select
from sqlmodel import Session

from .models import LogCheckpoint, LogEntry, LogNode
from .tlog.fsck import Disagreement, LogChecker, Node

if TYPE_CHECKING:
    from .service import Registry

CHUNK_SIZE = 50_000
"""Entries per query: large enough that round trips do not matter, small enough to stay a few MB."""

_ENTRY = LogEntry.__table__.c  # type: ignore[attr-defined]
_NODE = LogNode.__table__.c  # type: ignore[attr-defined]
_CHECKPOINT = LogCheckpoint.__table__.c  # type: ignore[attr-defined]


@dataclass(frozen=True)
class FsckReport:
    """What `fsck_log` checked, how long it took, and the first disagreement (None: the log is sound)."""

    entries_checked: int
    nodes_checked: int
    checkpoints_checked: int
    seconds: float
    first_disagreement: Disagreement | None = None

    @property
    def ok(self) -> bool:
        return self.first_disagreement is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries_checked": self.entries_checked,
            "nodes_checked": self.nodes_checked,
            "checkpoints_checked": self.checkpoints_checked,
            "seconds": round(self.seconds, 3),
            "first_disagreement": None if self.first_disagreement is None else self.first_disagreement.to_dict(),
        }


def fsck_log(
    registry: Registry,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> FsckReport:
    """Recompute every leaf hash, complete node and checkpoint root from the entries; stop at the first disagreement.

    ``progress(done, total)`` is called after every chunk with the entries checked so far and the
    log's size (largest index + 1). Checkpoint notes must verify with the registry's log key and
    name its origin.
    """
    if chunk_size <= 0:
        raise ValueError(f"expected a positive chunk size, got {chunk_size}")
    started = time.perf_counter()
    checker = LogChecker(registry.keys.log_verifier, registry.settings.log_origin)
    with _cyclic_gc_paused(), registry.db.reading() as session:
        connection = _snapshot(session)
        lowest, last = connection.execute(select(func.min(_ENTRY["index"]), func.max(_ENTRY["index"]))).one()
        total = 0 if last is None else int(last) + 1
        first, lowest_checkpoint = 0, 0
        while checker.first_disagreement is None:
            from_index = first or min(0, lowest or 0)  # a negative index, were there one, is the first disagreement
            entries = _driver_rows(connection, select(_ENTRY["index"], _ENTRY["leaf_hash"], _ENTRY["leaf"])
                                   .where(_ENTRY["index"] >= from_index).order_by(_ENTRY["index"]).limit(chunk_size))
            if not entries:
                break
            end = first + len(entries)  # the entries are [first, end) unless one is missing, which stops the check
            checkpoints = {
                size: (root, note)
                for size, root, note in _checkpoints(connection, lowest_checkpoint, end)
            }
            checker.check_entries(entries, _stored_levels(connection, first, end), checkpoints)
            first, lowest_checkpoint = end, end + 1
            if progress is not None:
                progress(checker.entries_checked, total)
            if len(entries) < chunk_size:
                break
        if checker.first_disagreement is None:
            later = _checkpoints(connection, lowest_checkpoint, None, limit=2)
            checker.check_end(later, _extra_nodes(connection, checker.tree.size))
    return FsckReport(
        entries_checked=checker.entries_checked,
        nodes_checked=checker.nodes_checked,
        checkpoints_checked=checker.checkpoints_checked,
        seconds=time.perf_counter() - started,
        first_disagreement=checker.first_disagreement,
    )


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """fsck allocates millions of rows, lists and hashes, none of them in a reference cycle; the
    cyclic collector's passes over them find nothing and cost about a third of the run."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _snapshot(session: Session) -> Connection:
    """The session's connection, in a transaction that sees one state of the database throughout."""
    if session.get_bind().dialect.name == "postgresql":
        return session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    return session.connection()  # SQLite: a read transaction already sees one snapshot (WAL)


def _stored_levels(connection: Connection, first: int, end: int) -> list[list[bytes | None]]:
    """The stored nodes that leaves [first, end) complete, level by level: at level L, indexes
    [first >> L, end >> L) in order, None where a row is missing."""
    levels: list[list[bytes | None]] = []
    level = 0
    while (low := first >> level) < (high := end >> level):
        in_range = (_NODE["level"] == level) & (_NODE["index"] >= low) & (_NODE["index"] < high)
        hashes = [value for (value,) in _driver_rows(connection, select(_NODE["hash"]).where(in_range)
                                                     .order_by(_NODE["index"]))]
        if len(hashes) != high - low:  # the primary key makes every index unique: some are missing
            by_index = dict(_driver_rows(connection, select(_NODE["index"], _NODE["hash"]).where(in_range)))
            hashes = [by_index.get(index) for index in range(low, high)]
        levels.append(hashes)
        level += 1
    return levels


def _driver_rows(connection: Connection, statement: Select) -> list[tuple[Any, ...]]:
    """The rows as the database driver returns them. The columns fsck reads are integers and bytes,
    which need no conversion, and skipping SQLAlchemy's per-row processing makes fsck ~3x faster."""
    result = connection.execute(statement)
    try:
        return result.cursor.fetchall()  # type: ignore[attr-defined]
    finally:
        result.close()


def _checkpoints(
    connection: Connection, lowest: int, highest: int | None, limit: int | None = None
) -> list[tuple[int, bytes, str]]:
    """Stored checkpoints ``(size, root_hash, note)`` with lowest <= size <= highest, by size."""
    statement = select(_CHECKPOINT["size"], _CHECKPOINT["root_hash"], _CHECKPOINT["note"]).where(
        _CHECKPOINT["size"] >= lowest
    )
    if highest is not None:
        statement = statement.where(_CHECKPOINT["size"] <= highest)
    return _driver_rows(connection, statement.order_by(_CHECKPOINT["size"]).limit(limit))


def _extra_nodes(connection: Connection, size: int) -> Iterator[Node]:
    """Stored nodes the tree of ``size`` leaves does not complete, lowest level first (one query per level)."""
    top = size.bit_length()
    for level in range(top):
        row = connection.execute(
            select(_NODE["index"], _NODE["hash"]).where(_NODE["level"] == level, _NODE["index"] >= size >> level)
            .order_by(_NODE["index"]).limit(1)
        ).first()
        if row is not None:
            yield level, int(row[0]), row[1]
    row = connection.execute(
        select(_NODE["level"], _NODE["index"], _NODE["hash"])
        .where(or_(_NODE["level"] < 0, _NODE["level"] >= top, _NODE["index"] < 0))
        .order_by(_NODE["level"], _NODE["index"]).limit(1)
    ).first()
    if row is not None:
        yield int(row[0]), int(row[1]), row[2]
