"""Shared fixtures. Database tests run twice: on SQLite and on PostgreSQL.

PostgreSQL comes from $AIGC_REGISTRY_TEST_POSTGRES_URL (default: the local server on
127.0.0.1:5432, database `test`, trust auth). Each test gets its own schema, dropped afterwards.
Without a server the PostgreSQL runs skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy
from hypothesis import settings as hypothesis_settings

# Property tests are judged on what they find, not on time: a first example that builds a table
# (a Unicode plane's, ~20 ms) on a machine busy with other tests can take 0.5 s, which hypothesis's
# default 200 ms deadline calls a flaky failure.
hypothesis_settings.register_profile("registry", deadline=None)
hypothesis_settings.load_profile("registry")

ASSETS = Path(__file__).parent / "assets"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
POSTGRES_URL = os.environ.get(
    "AIGC_REGISTRY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_postgres_error: str | None = None
MIDNIGHT_MARGIN_SECONDS = 90


def steady_utc_today() -> date:
    """Today on the registry's clock (UTC), after waiting out a day's last 90 seconds.

    Sheets cannot take effect before their last signature and revenue cannot be earned tomorrow, so a
    test that dates a sheet "today" and signs it a moment later must not straddle midnight.
    """
    now = datetime.now(timezone.utc)
    left = (datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), timezone.utc) - now).total_seconds()
    if left < MIDNIGHT_MARGIN_SECONDS:
        time.sleep(left + 1)
    return datetime.now(timezone.utc).date()


@pytest.fixture(autouse=True)
def _todays_date(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test module's TODAY (a date, or its ISO string) is the day the test runs, not the day it was imported."""
    module = request.module
    if module is not None and hasattr(module, "TODAY"):
        today = steady_utc_today()
        monkeypatch.setattr(module, "TODAY", today if isinstance(module.TODAY, date) else today.isoformat())


def _postgres_available() -> str | None:
    """None when the server answers, else why not."""
    global _postgres_error
    if _postgres_error is None:
        try:
            engine = sqlalchemy.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            engine.dispose()
            _postgres_error = ""
        except Exception as e:  # noqa: BLE001 - any failure means "not available"
            _postgres_error = f"{type(e).__name__}: {e}".splitlines()[0]
    return _postgres_error or None


@contextmanager
def database_for(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database URL: SQLite in `folder`, or a new PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'registry.sqlite3'}"
        return
    problem = _postgres_available()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and unreachable at {POSTGRES_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}: {problem}")
    schema = f"t_{secrets.token_hex(6)}"
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_for(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    from registry.settings import Settings

    return Settings(data_dir=tmp_path / "data", database_url=database_url, load_samples=False)


@pytest.fixture
def registry(settings):  # type: ignore[no-untyped-def]
    from registry.service import Registry

    opened = Registry.open(settings)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def sample_articles() -> dict[str, tuple[bytes, dict]]:
    """slug -> (bytes, metadata) for every sample article."""
    import json

    return {
        path.stem: (path.read_bytes(), json.loads(path.with_suffix(".json").read_text(encoding="utf-8")))
        for path in sorted((SAMPLES / "articles").glob("*.txt"))
    }


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-API server on loopback (moto's server mode), for the S3 blob store: its URL. The
    standard AWS_* variables point boto3 at it with dummy credentials (nothing leaves the machine)."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    saved = {name: os.environ.get(name) for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                    "AWS_DEFAULT_REGION")}
    os.environ.update({"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_DEFAULT_REGION": "us-east-1"})
    try:
        yield url
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new empty bucket on the loopback S3 server: `s3://NAME/blobs`."""
    import boto3

    name = f"b-{secrets.token_hex(6)}"
    boto3.client("s3").create_bucket(Bucket=name)
    return f"s3://{name}/blobs"


@contextmanager
def served(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """`app` served by uvicorn on a free loopback port in a thread, for clients outside the process
    (a browser, another language's client): its base URL while the block runs."""
    import socket
    import threading

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the registry did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
def serve():  # type: ignore[no-untyped-def]
    """`served`, for conftest files (they cannot import this module)."""
    return served


def run_migrate(settings):  # type: ignore[no-untyped-def]
    """`aigc-registry migrate` run as a user runs it, in its own process, on `settings`' data folder
    and database: the finished process (its output as text)."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "web.cli", "migrate", "--data-dir", str(settings.data_dir)],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1], timeout=300,
                          env={"PATH": "/usr/bin:/bin", "AIGC_REGISTRY_DATABASE_URL": settings.effective_database_url})
