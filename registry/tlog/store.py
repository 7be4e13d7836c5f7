"""The transparency log persisted in the registry's database.

Rows: `log_entry` (the leaves), `log_node` (every complete subtree hash, level 0 = leaf hashes) and
`log_checkpoint` (every signed checkpoint). Appends happen inside the caller's write transaction, so
a registration and its log entry commit together or not at all. Writers are serialised: SQLite write
sessions begin IMMEDIATE, PostgreSQL writers take a transaction-scoped advisory lock here.
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select, text
from sqlmodel import Session

from ..errors import IntegrityError, NotFoundError
from ..models import LogCheckpoint, LogCosignature, LogEntry, LogNode, utc_now
from .checkpoint import Checkpoint, sign_checkpoint
from .cosignature import add_cosignatures
from .merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    nodes_for_append,
    root_hash,
    verify_consistency,
)
from .note import NoteSigner
from .receipt import Receipt

_POSTGRES_LOG_LOCK = 0x41494743  # "AIGC": the advisory lock id guarding appends
_NODE_CACHE_SIZE = 1 << 16  # committed nodes kept in memory (32-byte hashes: ~6 MB with overhead)


class DatabaseLog:
    def __init__(self, origin: str, signer: NoteSigner) -> None:
        self.origin = origin
        self.signer = signer
        self._committed: dict[tuple[int, int], bytes] = {}

    # -- reading ---------------------------------------------------------------------------
    def reader(self, session: Session):
        """A NodeReader over this transaction's own new nodes, the committed-node cache and the database.

        Complete nodes never change once committed, so they are cached for the life of the process.
        Nodes this transaction wrote live in `session.info` until commit and are never cached: a
        rollback must leave no trace.
        """
        pending = self._pending(session)

        def read_node(level: int, index: int) -> bytes:
            key = (level, index)
            if key in pending:
                return pending[key]
            cached = self._committed.get(key)
            if cached is not None:
                return cached
            row = session.exec(
                select(LogNode.hash).where(LogNode.level == level, LogNode.index == index)  # type: ignore[arg-type]
            ).first()
            if row is None:
                raise IntegrityError(f"log node level {level} index {index} is missing from storage")
            if len(self._committed) >= _NODE_CACHE_SIZE:
                self._committed.clear()
            self._committed[key] = row[0]
            return row[0]

        return read_node

    def _prefetch(self, session: Session, compute) -> None:  # type: ignore[no-untyped-def]
        """Load in ONE query every committed node `compute(read_node)` will read.

        Which nodes a proof reads depends only on its sizes and indexes, never on hash values, so a
        dry run with a recording reader lists them; the real run then finds them all in memory."""
        wanted: set[tuple[int, int]] = set()

        def record(level: int, index: int) -> bytes:
            wanted.add((level, index))
            return bytes(32)

        compute(record)
        pending = self._pending(session)
        missing = [key for key in wanted if key not in pending and key not in self._committed]
        for start in range(0, len(missing), 400):
            by_level: dict[int, list[int]] = {}
            for level, index in missing[start : start + 400]:
                by_level.setdefault(level, []).append(index)
            # one (level = L AND index IN ...) term per level: both SQLite and PostgreSQL search the
            # primary key for each, where a row-value IN makes SQLite scan the whole table
            where = or_(*(and_(LogNode.level == level, LogNode.index.in_(indexes))  # type: ignore[attr-defined]
                          for level, indexes in by_level.items()))
            rows = session.exec(select(LogNode.level, LogNode.index, LogNode.hash).where(where)).all()  # type: ignore[call-overload]
            if len(self._committed) + len(rows) > _NODE_CACHE_SIZE:
                self._committed.clear()
            self._committed.update(((int(level), int(index)), bytes(value)) for level, index, value in rows)

    @staticmethod
    def _pending(session: Session) -> dict[tuple[int, int], bytes]:
        return session.info.setdefault("tlog_pending_nodes", {})

    def size(self, session: Session) -> int:
        last = session.exec(select(func.max(LogEntry.index))).one()[0]  # type: ignore[call-overload]
        return 0 if last is None else int(last) + 1

    def latest_checkpoint(self, session: Session) -> LogCheckpoint | None:
        statement = select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(1)  # type: ignore[union-attr]
        return session.exec(statement).scalars().first()  # type: ignore[call-overload]

    def cosigned_note(self, session: Session, checkpoint: LogCheckpoint) -> str:
        """The checkpoint's signed note with every witness cosignature stored for it appended."""
        lines = session.exec(select(LogCosignature.line).where(LogCosignature.size == checkpoint.size)).all()  # type: ignore[call-overload]
        return add_cosignatures(checkpoint.note, [row[0] for row in lines]) if lines else checkpoint.note

    def entry(self, session: Session, index: int) -> LogEntry:
        row = session.get(LogEntry, index)
        if row is None:
            raise NotFoundError(f"log has no entry {index}")
        return row

    @staticmethod
    def _indexes_of_leaf_hashes(session: Session, hashes: list[bytes]) -> dict[bytes, int]:
        found: dict[bytes, int] = {}
        for start in range(0, len(hashes), 500):
            rows = session.exec(select(LogEntry.leaf_hash, LogEntry.index)  # type: ignore[call-overload]
                                .where(LogEntry.leaf_hash.in_(hashes[start : start + 500]))).all()
            found.update((bytes(value), int(index)) for value, index in rows)
        return found

    def index_of_leaf_hash(self, session: Session, hashed: bytes) -> int | None:
        row = session.exec(select(LogEntry.index).where(LogEntry.leaf_hash == hashed)).first()  # type: ignore[call-overload]
        return None if row is None else int(row[0])

    # -- writing ---------------------------------------------------------------------------
    def lock(self, session: Session) -> None:
        """Serialise appenders (a no-op on SQLite, whose write transactions are already exclusive)."""
        if session.get_bind().dialect.name == "postgresql":
            session.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_POSTGRES_LOG_LOCK))  # type: ignore[call-overload]

    def append(self, session: Session, leaves: list[bytes]) -> list[int]:
        """Append leaves in order; returns their indexes. A leaf already in the log (or earlier in
        the same call) is not appended again: its existing index is returned. Caller commits."""
        self.lock(session)
        size = self.size(session)
        pending = self._pending(session)
        read_node = self.reader(session)
        hashes = [leaf_hash(leaf) for leaf in leaves]
        added = self._indexes_of_leaf_hashes(session, hashes)  # already logged: one lookup per batch
        entries: list[tuple[int, bytes, bytes]] = []
        nodes: list[tuple[int, int, bytes]] = []
        indexes = []
        for leaf, hashed in zip(leaves, hashes, strict=True):
            existing = added.get(hashed)
            if existing is not None:
                indexes.append(existing)
                continue
            entries.append((size, hashed, leaf))
            for level, index, value in nodes_for_append(size, hashed, read_node):
                pending[(level, index)] = value
                nodes.append((level, index, value))
            added[hashed] = size
            indexes.append(size)
            size += 1
        if entries:
            self._insert_rows(session, entries, nodes)
        return indexes

    @staticmethod
    def _insert_rows(session: Session, entries: list[tuple[int, bytes, bytes]],
                     nodes: list[tuple[int, int, bytes]]) -> None:
        """One driver-level executemany per table: ints and bytes need no per-row conversion, and the
        batch's one timestamp is converted once by the column type itself (dialect-exact)."""
        connection = session.connection()
        created_type = LogEntry.__table__.c.created_at.type  # type: ignore[attr-defined]
        convert = created_type.bind_processor(connection.dialect)
        created = convert(utc_now()) if convert else utc_now()
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        connection.exec_driver_sql(
            f'INSERT INTO log_entry ("index", leaf_hash, leaf, created_at) VALUES ({mark}, {mark}, {mark}, {mark})',
            [(index, hashed, leaf, created) for index, hashed, leaf in entries],
        )
        connection.exec_driver_sql(f'INSERT INTO log_node (level, "index", hash) VALUES ({mark}, {mark}, {mark})', nodes)

    def publish_checkpoint(self, session: Session) -> LogCheckpoint:
        """Sign a checkpoint over the current tree, after proving it extends the previous one."""
        size = self.size(session)
        read_node = self.reader(session)
        root = root_hash(size, read_node)
        previous = self.latest_checkpoint(session)
        if previous is not None and previous.size == size:
            if previous.root_hash != root:
                raise IntegrityError(f"log root at size {size} changed: expected "
                                     f"{previous.root_hash.hex()}, got {root.hex()}")
            return previous
        if previous is not None and previous.size > 0:  # every tree extends the empty one
            proof = consistency_proof(previous.size, size, read_node)
            verify_consistency(previous.size, size, previous.root_hash, root, proof)
        note = sign_checkpoint(Checkpoint(origin=self.origin, size=size, root_hash=root), self.signer)
        row = LogCheckpoint(size=size, root_hash=root, note=note)
        session.add(row)
        session.flush()
        return row

    # -- proofs ----------------------------------------------------------------------------
    def receipt(self, session: Session, index: int, checkpoint: LogCheckpoint | None = None) -> Receipt:
        """A tlog-proof@v1 receipt for entry `index` against `checkpoint` (default: the latest).

        Its `extra` line carries the logged statement itself, so the receipt checks offline with
        nothing but the log's verifier key (`aigc-registry log verify`)."""
        checkpoint = checkpoint or self.latest_checkpoint(session)
        if checkpoint is None or index >= checkpoint.size:
            raise NotFoundError(f"log entry {index} is not covered by a signed checkpoint yet")
        self._prefetch(session, lambda read: inclusion_proof(index, checkpoint.size, read))
        proof = inclusion_proof(index, checkpoint.size, self.reader(session))
        leaf = self.entry(session, index).leaf
        note = self.cosigned_note(session, checkpoint)
        return Receipt(index=index, proof=tuple(proof), checkpoint_note=note, extra=leaf)

    def consistency(self, session: Session, old_size: int, new_size: int) -> list[bytes]:
        self._prefetch(session, lambda read: consistency_proof(old_size, new_size, read))
        return consistency_proof(old_size, new_size, self.reader(session))

    def check_root(self, session: Session) -> None:
        """Recompute the root from storage and compare it with the newest signed checkpoint."""
        checkpoint = self.latest_checkpoint(session)
        if checkpoint is None:
            return
        size = self.size(session)
        if size < checkpoint.size:
            raise IntegrityError(f"log holds {size} entries but checkpoint signs {checkpoint.size}")
        root = root_hash(checkpoint.size, self.reader(session))
        if root != checkpoint.root_hash:
            raise IntegrityError(
                f"log root at size {checkpoint.size}: expected {checkpoint.root_hash.hex()} "
                f"(signed checkpoint), got {root.hex()} (recomputed from storage)"
            )
