"""/healthz, /readyz and /metrics through the real app on SQLite and PostgreSQL: ready when the
database and the blob store answer, 503 naming what does not (an S3 endpoint or a Redis queue that
is down); the figures a Prometheus scrape reads follow the registry (log size, works by kind, jobs
waiting), and request counters are labelled by route template, never by the ids in a path."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from web.app import create_app

from ..conftest import SAMPLES
from .conftest import bearer, issue_key

ARTICLE = sorted((SAMPLES / "articles").glob("*.txt"))[0]


def _metric(text: str, name: str, labels: str = "") -> float:
    found = re.search(rf"^{re.escape(name + labels)} ([0-9.e+-]+)$", text, re.M)
    assert found, f"{name}{labels} not in the scrape"
    return float(found.group(1))


def test_health_readiness_and_figures(settings):
    app = create_app(settings.model_copy(update={"webhook_sender": False}))
    with TestClient(app, headers=bearer(issue_key(app))) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and {c["name"] for c in ready.json()["checks"]} == {"database", "blobs"}
        before = client.get("/metrics").text
        assert _metric(before, "aigc_log_size") == 0
        work = client.post("/api/v1/works", files={"file": ("a.txt", ARTICLE.read_bytes())}, data={"model": "m"}).json()
        client.get(f"/api/v1/works/{work['work_id']}")
        scrape = client.get("/metrics")
        assert scrape.headers["content-type"].startswith("text/plain")
        after = scrape.text
        assert _metric(after, "aigc_log_size") == 1 and _metric(after, "aigc_works", '{kind="article"}') == 1
        assert _metric(after, "aigc_jobs", '{state="queued"}') == 0
        assert 'route="/api/v1/works/{work_id}"' in after and work["work_id"] not in after


def test_readiness_names_what_is_down(settings, s3_endpoint, monkeypatch):
    app = create_app(settings.model_copy(update={"webhook_sender": False, "job_queue": "redis://127.0.0.1:1/0"}))
    with TestClient(app) as client:
        down = client.get("/readyz")
        assert down.status_code == 503
        checks = {c["name"]: c for c in down.json()["checks"]}
        assert checks["database"]["ok"] and checks["blobs"]["ok"] and not checks["job_queue"]["ok"]
        assert "Connection" in checks["job_queue"]["detail"]

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    unreachable = create_app(settings.model_copy(update={"webhook_sender": False, "blobs": "s3://nowhere/x"}))
    with TestClient(unreachable) as client:
        down = client.get("/readyz")
        assert down.status_code == 503
        blobs = next(c for c in down.json()["checks"] if c["name"] == "blobs")
        assert not blobs["ok"] and blobs["detail"]
