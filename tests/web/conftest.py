"""Fixtures shared by the end-to-end tests of the faces."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from web.app import create_app


def issue_key(app, role: str = "owner", org: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """A new API key of `org` (default: the registry's default registrant, "local")."""
    from registry.accounts import manage

    registry = app.state.registry
    org = None if role == "admin" else (org or registry.settings.default_registrant)
    return manage.issue_api_key(registry, org_name=org, role=role, name="tests")["key"]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client(settings):
    """The real HTTP app over a fresh registry (SQLite or PostgreSQL), in process, calling as an
    owner of the default organisation ("local")."""
    app = create_app(settings)
    with TestClient(app, headers=bearer(issue_key(app))) as test_client:
        yield test_client


@pytest.fixture
def anonymous(client):
    """The same app, called without a credential."""
    with TestClient(client.app) as test_client:
        yield test_client


def post_work(client, path: Path, **fields):  # type: ignore[no-untyped-def]
    """Register a file through `POST /api/v1/works` (model "veo" unless `fields` say otherwise)."""
    return client.post("/api/v1/works", files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
                       data={"model": "veo", **fields})


@pytest.fixture
def cli(tmp_path: Path, database_url: str):
    env = {**os.environ, "AIGC_REGISTRY_HOME": str(tmp_path / "home"), "AIGC_REGISTRY_DATABASE_URL": database_url}

    def run(*args: str, expect: int = 0, **more_env: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "web.cli", *args], capture_output=True, text=True,
                              env={**env, **more_env}, timeout=180)
        assert done.returncode == expect, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    return run


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry (a signed-in session's)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)
