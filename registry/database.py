"""Engines, sessions and migrations for SQLite (embedded default) and PostgreSQL.

Writers are serialised where the log needs it: SQLite write sessions start with `BEGIN IMMEDIATE`
(so two writers never deadlock upgrading a read lock), PostgreSQL writers take a transaction-scoped
advisory lock before appending to the log (see registry.tlog.store).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, inspect
from sqlmodel import Session, create_engine

from .errors import IntegrityError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    """An engine with SQLite tuned for a server: WAL, foreign keys on, a busy timeout, explicit BEGIN."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    # cached_statements: sqlite3 keeps this many prepared statements per connection (default 128),
    # enough for every shape of the log's proof queries besides the rest
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30, "cached_statements": 512})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB of pages per connection (default 2 MiB)
        cursor.execute("PRAGMA mmap_size=268435456")  # read through a 256 MiB memory map
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One engine plus the two kinds of session the registry uses."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        self._writer = self.engine.execution_options(sqlite_immediate=True)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back entirely on any exception."""
        with Session(self._writer) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()

    # -- migrations -------------------------------------------------------------------------
    def _alembic_config(self, connection) -> Config:  # type: ignore[no-untyped-def]
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        return config

    def head_revision(self) -> str:
        return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head() or ""

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def migrate(self) -> None:
        """Bring the schema to the newest revision (what `aigc-registry migrate` runs)."""
        with self.engine.begin() as connection:
            command.upgrade(self._alembic_config(connection), "head")

    def ensure_schema(self) -> None:
        """Initialise an empty database; refuse one at another revision instead of changing it silently."""
        current = self.current_revision()
        if current == self.head_revision():
            return
        if current is None:
            with self._initialisation_lock():  # several processes starting on one empty database: one migrates
                if self.current_revision() == self.head_revision():
                    return
                with self.engine.connect() as connection:
                    tables = inspect(connection).get_table_names()
                if tables and "alembic_version" not in tables:
                    raise IntegrityError(
                        f"database {self.url_for_humans} holds tables {sorted(tables)[:5]} but no "
                        "migration history: it is not an aigc-registry database"
                    )
                self.migrate()
            return
        raise IntegrityError(
            f"database schema is at revision {current}, this version of aigc-registry expects "
            f"{self.head_revision()}: run `aigc-registry migrate`"
        )

    @contextmanager
    def _initialisation_lock(self) -> Iterator[None]:
        """On PostgreSQL a session advisory lock, held while the first process creates the schema."""
        if self.engine.dialect.name != "postgresql":
            yield
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT pg_advisory_lock(7412590201)")  # a number of this registry's own
            try:
                yield
            finally:
                connection.exec_driver_sql("SELECT pg_advisory_unlock(7412590201)")
                connection.commit()

    @property
    def url_for_humans(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)
