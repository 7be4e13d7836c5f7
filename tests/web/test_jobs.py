"""Jobs that outlive their process (issue 14), on SQLite and PostgreSQL: a job asked of one API
process is answered by another; a job left queued by a process that stopped is run by the next one
started; an unexpected failure is tried again, a refused input is said once; a job runs once even
if two runners take it. With a Redis queue (a real Redis on loopback), the API process only
enqueues and `aigc-registry worker` runs the job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registry.accounts import manage
from registry.jobs import create_job, execute, job_view
from registry.jobs.tasks import request_to_params
from registry.requests import RegistrationRequest
from web.app import create_app
from web.errors import error_parts

from ..conftest import SAMPLES
from .conftest import bearer

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = sorted((SAMPLES / "articles").glob("*.txt"))
VIDEO = SAMPLES / "media" / "harbour-drone-pass.mp4"
ASYNC = {"Prefer": "respond-async"}
REDIS_URL = os.environ.get("AIGC_REGISTRY_TEST_REDIS", "redis://127.0.0.1:6379/13")


def _wait(client: TestClient, url: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = client.get(url).json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError(f"{url} did not end: {state}")


def _key(app) -> str:  # type: ignore[no-untyped-def]
    return manage.issue_api_key(app.state.registry, org_name=app.state.registry.settings.default_registrant,
                                role="editor")["key"]


def test_a_job_asked_of_one_process_is_answered_by_another(settings):
    first = create_app(settings.model_copy(update={"webhook_sender": False}))
    other = create_app(settings.model_copy(update={"webhook_sender": False}))  # a second API process, same database
    key = _key(first)
    with TestClient(first, headers=bearer(key)) as one, TestClient(other, headers=bearer(key)) as two:
        asked = one.post("/api/v1/works", files={"file": (VIDEO.name, VIDEO.read_bytes())}, data={"model": "veo"},
                         headers=ASYNC)
        assert asked.status_code == 202, asked.text
        url = asked.json()["url"]
        done = _wait(two, url)
        assert done["state"] == "done" and done["result"]["kind"] == "video", done
        assert one.get(url).json() == done
        assert TestClient(other).get(url).status_code == 404  # another caller: no such job


def test_a_job_left_queued_is_run_by_the_next_process(settings, tmp_path):
    app = create_app(settings.model_copy(update={"webhook_sender": False}))
    registry = app.state.registry
    from registry.accounts.principal import Principal

    principal = Principal(kind="operator", role="admin", credential="operator")
    upload = tmp_path / "story.txt"
    upload.write_bytes(ARTICLES[0].read_bytes())
    job_id = create_job(registry, "registration", principal,
                        {"request": request_to_params(RegistrationRequest(model="m")), "declared": None}, upload,
                        "story.txt")  # queued, and the process "stops" before running it
    assert job_view(registry, job_id)["state"] == "queued"
    registry.close()

    restarted = create_app(settings.model_copy(update={"webhook_sender": False}))
    with TestClient(restarted):  # its start resumes what was left
        deadline = time.monotonic() + 30
        while job_view(restarted.state.registry, job_id)["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        view = job_view(restarted.state.registry, job_id)
        assert view["state"] == "done" and view["result"]["log_index"] == 0
        assert execute(restarted.state.registry, job_id, error_parts) == "taken"  # it never runs twice


def test_unexpected_failures_are_retried_and_refusals_said_once(settings, monkeypatch):
    import registry.jobs.runner as runner

    app = create_app(settings.model_copy(update={"webhook_sender": False}))
    failures = []
    real = runner.run_task

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]  # fault injection: the first attempt crashes
        if not failures:
            failures.append(1)
            raise ConnectionError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "run_task", flaky)
    monkeypatch.setattr(runner, "RETRY_SECONDS", (0.1, 0.1))
    with TestClient(app, headers=bearer(_key(app))) as client:
        asked = client.post("/api/v1/works", files={"file": ("a.txt", ARTICLES[1].read_bytes())},
                            data={"model": "m"}, headers=ASYNC)
        done = _wait(client, asked.json()["url"])
        assert done["state"] == "done" and failures == [1]
        refused = client.post("/api/v1/works", files={"file": ("a.txt", ARTICLES[1].read_bytes())},
                              data={"model": "m"}, headers=ASYNC)  # the same article again: 409, not retried
        failed = _wait(client, refused.json()["url"])
        assert failed["state"] == "failed" and failed["status"] == 409 and "already registered" in failed["error"]["message"]


def _redis_or_skip() -> None:
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        Redis.from_url(REDIS_URL).ping()
    except RedisDown as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI and unreachable at {REDIS_URL}: {e}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {e}")


def test_with_a_redis_queue_the_worker_runs_the_job(settings):
    _redis_or_skip()
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    queued = settings.model_copy(update={"job_queue": REDIS_URL, "webhook_private_targets": True,
                                         "video_snapshot_check_seconds": 0.0})
    app = create_app(queued)
    heard: list[bytes] = []
    receiver = _receiver(heard)
    owner = manage.issue_api_key(app.state.registry, org_name=app.state.registry.settings.default_registrant,
                                 role="owner")["key"]
    with TestClient(app, headers=bearer(_key(app))) as client:
        assert client.post("/api/v1/webhooks", headers=bearer(owner),
                           json={"url": receiver, "events": ["work.registered"]}).status_code == 201
        asked = client.post("/api/v1/matches", files={"file": ("v.mp4", VIDEO.read_bytes())}, headers=ASYNC)
        registered = client.post("/api/v1/works", files={"file": (VIDEO.name, VIDEO.read_bytes())},
                                 data={"model": "veo"}, headers=ASYNC)
        assert asked.status_code == registered.status_code == 202
        time.sleep(0.5)
        assert client.get(registered.json()["url"]).json()["state"] == "queued"  # no thread of the API runs it

        time.sleep(0.5)
        assert heard == []  # with a queue the API process sends no webhook: the worker does
        environment = {**os.environ, "AIGC_REGISTRY_JOB_QUEUE": REDIS_URL, "AIGC_REGISTRY_WEBHOOK_PRIVATE_TARGETS": "true",
                       "AIGC_REGISTRY_DATABASE_URL": queued.effective_database_url,
                       "AIGC_REGISTRY_VIDEO_SNAPSHOT_ROWS": "1", "AIGC_REGISTRY_TILES": str(queued.data_dir / "tiles")}
        ran = subprocess.run([sys.executable, "-m", "web.cli", "worker", "--burst", "--data-dir",
                              str(queued.data_dir)], capture_output=True, text=True, env=environment, cwd=ROOT,
                             timeout=300)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert "video index snapshot" in ran.stderr  # written by the worker once a row came in
        size = client.get("/api/v1/log").json()["size"]
        assert (queued.data_dir / "tiles" / "tile-mirror-size").read_text() == f"{size}\n"  # tiles mirrored up to it
        matched, done = client.get(asked.json()["url"]).json(), client.get(registered.json()["url"]).json()
        again = client.post("/api/v1/matches", files={"file": ("v.mp4", VIDEO.read_bytes())}).json()["matches"]
        assert [m["work_id"] for m in again] == [done["result"]["work_id"]]
        index = app.state.registry.video_index  # the API process now maps the worker's snapshot
        assert index.snapshot_frames == index.frames > 0 and index.memory_frames == 0
    assert matched["state"] == "done" and matched["result"]["matches"] == [], matched
    assert done["state"] == "done" and done["result"]["kind"] == "video", done
    assert [json.loads(body)["data"]["work_id"] for body in heard] == [done["result"]["work_id"]]


def _receiver(heard: list[bytes]) -> str:
    """A webhook receiver on loopback recording the bodies it is sent; its URL."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            heard.append(self.rfile.read(int(self.headers["content-length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args) -> None:  # type: ignore[no-untyped-def]
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/hook"


def test_the_worker_needs_a_queue(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "AIGC_REGISTRY_JOB_QUEUE"}
    ran = subprocess.run([sys.executable, "-m", "web.cli", "worker", "--data-dir", str(tmp_path)],
                         capture_output=True, text=True, env=environment, cwd=ROOT, timeout=60)
    assert ran.returncode != 0 and "AIGC_REGISTRY_JOB_QUEUE" in ran.stderr


def test_several_server_processes_need_postgresql(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "AIGC_REGISTRY_DATABASE_URL"}
    ran = subprocess.run([sys.executable, "-m", "web.cli", "serve", "--workers", "2", "--data-dir", str(tmp_path)],
                         capture_output=True, text=True, env=environment, cwd=ROOT, timeout=60)
    assert ran.returncode != 0 and "SQLite serves one process" in ran.stderr
