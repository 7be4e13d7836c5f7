"""For benchmarks: a database nobody else uses. SQLite stays the caller's file; PostgreSQL gets a
throwaway schema, dropped afterwards."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine


@contextmanager
def isolated(database_url: str | None, *, keep: bool = False) -> Iterator[str | None]:
    """`keep`: leave the PostgreSQL schema behind (its name printed), to look into afterwards."""
    if database_url is None or not database_url.startswith("postgresql"):
        yield database_url
        return
    schema = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(database_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield f"{database_url}{'&' if '?' in database_url else '?'}options=-csearch_path%3D{schema}"
    finally:
        if keep:
            print(f"kept PostgreSQL schema {schema}", flush=True)
        else:
            with admin.begin() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
