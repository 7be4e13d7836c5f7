"""The transparency log persisted in the registry's database.

Rows: `log_entry` (the leaves), `log_node` (every complete subtree hash, level 0 = leaf hashes) and
`log_checkpoint` (every signed checkpoint). Appends happen inside the caller's write transaction, so
a registration and its log entry commit together or not at all. Writers are serialised: SQLite write
sessions begin IMMEDIATE, PostgreSQL writers take a transaction-scoped advisory lock here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, select, text
from sqlmodel import Session

from ..errors import IntegrityError, NotFoundError
from ..models import LogCheckpoint, LogCosignature, LogEntry, utc_now
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
_NODES_PER_QUERY = 200  # (level, index) pairs per node query: a proof at 2^63 entries needs at most ~130


class _Sql:
    """Plain SQL (`?` placeholders) on a session's own connection, inside its transaction, without the ORM.

    Proofs are the log's hot path and read a handful of rows through a handful of statements whose
    text never varies with the values; building, compiling and loading them through the ORM costs
    more than the reads. sqlite3 prepares each statement once per connection and keeps it in its
    statement cache (keyed by the SQL text); psycopg is asked to prepare it server-side. Any other
    driver goes through SQLAlchemy Core with the same SQL.
    """

    def __init__(self, session: Session) -> None:
        self.connection: Connection = session.connection()
        driver = self.connection.dialect.driver
        self.kind = driver if driver in ("pysqlite", "psycopg") else "core"
        self.raw = self.connection.connection.driver_connection if self.kind != "core" else None

    def rows(self, sql: str, params: Sequence) -> list[tuple]:
        if self.kind == "pysqlite":
            return self.raw.execute(sql, params).fetchall()  # type: ignore[union-attr]
        if self.kind == "psycopg":
            return self.raw.execute(sql.replace("?", "%s"), params, prepare=True).fetchall()  # type: ignore[union-attr]
        parts = sql.split("?")
        named = "".join(f"{part}:p{n}" for n, part in enumerate(parts[:-1])) + parts[-1]
        return [tuple(row) for row in self.connection.execute(text(named), {f"p{n}": v for n, v in enumerate(params)})]

    def nodes(self, keys: Sequence[tuple[int, int]]) -> list[tuple]:
        """(level, index, hash) of every stored node among `keys`, in one query that searches the
        (level, index) primary key once per key."""
        if self.kind == "psycopg":  # one statement text (and one server-side plan) for any number of keys
            return self.rows('SELECT n.level, n."index", n.hash FROM unnest(?::integer[], ?::bigint[]) AS k(level, i) '
                             'JOIN log_node AS n ON n.level = k.level AND n."index" = k.i',
                             ([level for level, _ in keys], [index for _, index in keys]))
        # SQLite plans this as a MULTI-INDEX OR: one primary-key search per term (a row-value IN
        # would scan the table); one cached statement per number of keys
        where = " OR ".join(['(level = ? AND "index" = ?)'] * len(keys))
        return self.rows(f'SELECT level, "index", hash FROM log_node WHERE {where}',
                         [value for key in keys for value in key])


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
            rows = _Sql(session).rows('SELECT hash FROM log_node WHERE level = ? AND "index" = ?', (level, index))
            if not rows:
                raise IntegrityError(f"log node level {level} index {index} is missing from storage")
            value = bytes(rows[0][0])
            if len(self._committed) >= _NODE_CACHE_SIZE:
                self._committed.clear()
            self._committed[key] = value
            return value

        return read_node

    def _prefetch(self, session: Session, compute, sql: _Sql | None = None) -> None:  # type: ignore[no-untyped-def]
        """Load in ONE query every committed node `compute(read_node)` will read.

        Which nodes a proof reads depends only on its sizes and indexes, never on hash values, so a
        dry run with a recording reader lists them; the real run then finds them all in memory."""
        wanted: dict[tuple[int, int], None] = {}  # insertion-ordered: the query's shape is deterministic

        def record(level: int, index: int) -> bytes:
            wanted[(level, index)] = None
            return bytes(32)

        compute(record)
        pending = self._pending(session)
        missing = [key for key in wanted if key not in pending and key not in self._committed]
        if not missing:
            return
        sql = sql or _Sql(session)
        for start in range(0, len(missing), _NODES_PER_QUERY):
            rows = sql.nodes(missing[start : start + _NODES_PER_QUERY])
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
        nothing but the log's verifier key (`aigc-registry log verify`).

        The hot path of every proof request: four small statements straight to the driver on the
        session's own connection (so inside its transaction), each prepared once per connection —
        the newest checkpoint, every proof node in one primary-key query, the leaf, the cosignatures."""
        if session.autoflush:  # what the ORM queries this replaces would have done first
            session.flush()
        sql = _Sql(session)
        if checkpoint is not None:
            size, note = checkpoint.size, checkpoint.note
        else:
            latest = sql.rows("SELECT size, note FROM log_checkpoint ORDER BY size DESC LIMIT 1", ())
            size, note = (int(latest[0][0]), latest[0][1]) if latest else (0, None)
        if note is None or index >= size:
            raise NotFoundError(f"log entry {index} is not covered by a signed checkpoint yet")
        self._prefetch(session, lambda read: inclusion_proof(index, size, read), sql)
        proof = inclusion_proof(index, size, self.reader(session))
        leaf = sql.rows('SELECT leaf FROM log_entry WHERE "index" = ?', (index,))
        if not leaf:
            raise NotFoundError(f"log has no entry {index}")
        lines = sql.rows("SELECT line FROM log_cosignature WHERE size = ?", (size,))
        note = add_cosignatures(note, [row[0] for row in lines]) if lines else note
        return Receipt(index=index, proof=tuple(proof), checkpoint_note=note, extra=bytes(leaf[0][0]))

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
