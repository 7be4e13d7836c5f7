"""The one-machine rehearsal of a deployment, small (bench/rehearsal.py runs it large): PostgreSQL,
an S3-API server, Redis, two API processes and a worker; articles registered through both, videos
as jobs polled through the process that did not take them; a video index snapshot mapped by both
API processes, which still find the video; nothing lost, every receipt verifies, `log fsck` passes."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _rehearsal():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("rehearsal", ROOT / "bench" / "rehearsal.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["rehearsal"] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _services_or_skip(rehearsal) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy
    from redis import Redis

    try:
        Redis.from_url(rehearsal.REDIS).ping()
        sqlalchemy.create_engine(rehearsal.POSTGRES).connect().close()
    except Exception as e:  # noqa: BLE001
        if os.environ.get("CI") == "true":
            pytest.fail(f"the rehearsal needs PostgreSQL and Redis in CI: {e}")
        pytest.skip(f"PostgreSQL or Redis unreachable: {e}")


def test_two_api_processes_and_a_worker_lose_nothing():
    rehearsal = _rehearsal()
    _services_or_skip(rehearsal)
    found = rehearsal.rehearse(articles=8, videos=2, threads=2)
    assert found["works"] == 8 + 8 + 2 == found["distinct_log_indexes"] == found["log_size"], found
    assert found["videos"] == 2 and found["polled_through_the_other_process"] == 2
    assert found["fsck_ok"], found["fsck"]
    assert found["found_through_snapshot"] == 2 and found["memory_rows_after_snapshot"] == [0, 0], found
    assert found["snapshot_frames"] > 0 and found["tiles_mirrored"] == 0  # 18 entries fill no tile
