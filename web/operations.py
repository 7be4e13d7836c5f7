"""/healthz (the process answers), /readyz (it can serve: database, blobs, job queue) and /metrics
(Prometheus: requests by route and status with their durations, and the registry's figures read at
scrape time: log size, works, jobs waiting and the oldest one's age, webhook deliveries waiting,
video index rows). With several server processes, set PROMETHEUS_MULTIPROC_DIR (`serve --workers`
does) and the request counters of all of them are summed."""

from __future__ import annotations

import os
import time

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from registry.operations import figures, readiness

from .deps import RegistryDep

router = APIRouter(tags=["operations"])
REQUESTS = Counter("aigc_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
DURATION = Histogram("aigc_http_request_seconds", "time to answer an HTTP request", ["method", "route"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120))


@router.get("/healthz", summary="The process is up")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", summary="The registry can serve: its database, blob store and job queue answer",
            responses={503: {"description": "one of them does not: the body says which"}})
async def readyz(registry: RegistryDep) -> JSONResponse:
    checks = await run_in_threadpool(readiness, registry)
    ready = all(check.ok for check in checks)
    return JSONResponse({"status": "ready" if ready else "not ready",
                         "checks": [check.__dict__ for check in checks]}, status_code=200 if ready else 503)


class _Figures:
    def __init__(self, registry) -> None:  # type: ignore[no-untyped-def]
        self.registry = registry

    def collect(self):  # type: ignore[no-untyped-def]
        found = figures(self.registry)
        yield GaugeMetricFamily("aigc_log_size", "entries in the transparency log (newest checkpoint)",
                                value=found["log_size"])
        works = GaugeMetricFamily("aigc_works", "registered works", labels=["kind"])
        for kind, count in sorted(found["works"].items()):
            works.add_metric([kind], count)
        yield works
        jobs = GaugeMetricFamily("aigc_jobs", "jobs not yet ended", labels=["state"])
        for state in ("queued", "running"):
            jobs.add_metric([state], found["jobs"].get(state, 0))
        yield jobs
        yield GaugeMetricFamily("aigc_oldest_queued_job_seconds", "age of the oldest queued job",
                                value=found["oldest_queued_job_seconds"])
        yield GaugeMetricFamily("aigc_webhook_deliveries_pending", "webhook deliveries waiting to be sent",
                                value=found["webhook_deliveries_pending"])
        yield GaugeMetricFamily("aigc_video_index_rows", "frame rows in this process's video index",
                                value=found["video_index_rows"])
        yield GaugeMetricFamily("aigc_video_index_memory_rows", "of those, rows held in this process's memory "
                                "(the rest are in the memory-mapped snapshot)", value=found["video_index_memory_rows"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(registry: RegistryDep) -> Response:
    def scrape() -> bytes:
        collected = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(collected)
        else:
            collected.register(REQUESTS)
            collected.register(DURATION)
        collected.register(_Figures(registry))
        return generate_latest(collected)

    return Response(await run_in_threadpool(scrape), media_type=CONTENT_TYPE_LATEST)


def install_request_metrics(app: FastAPI) -> None:
    @app.middleware("http")
    async def count(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")  # the template, never the ids in the path
        REQUESTS.labels(request.method, template, str(response.status_code)).inc()
        DURATION.labels(request.method, template).observe(time.perf_counter() - started)
        return response
