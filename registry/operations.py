"""What an operator watches: whether the registry can serve (`readiness`: the database, the blob
store, the job queue answer), and the figures a scrape reads (`figures`: the log's size, works by
kind, jobs waiting and the age of the oldest, webhook deliveries waiting, the video index's rows in
this process). Both are computed when asked, from the database, so any process answers alike."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func, text
from sqlmodel import col, select

from .models import JobRow, LogCheckpoint, WebhookDelivery, Work, as_utc, utc_now
from .service import Registry

_PROBE_BLOB = "0" * 64  # a name no content has: asking for it costs one lookup


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float


def _timed(name: str, probe) -> Check:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    try:
        detail = probe() or "ok"
        ok = True
    except Exception as e:  # noqa: BLE001 - a readiness probe reports every failure, it never raises
        detail, ok = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}", False
    return Check(name, ok, detail, round(time.perf_counter() - started, 4))


def readiness(registry: Registry) -> list[Check]:
    def database() -> str:
        with registry.db.reading() as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        return "ok"

    def blobs() -> str:
        registry.blobs.exists(_PROBE_BLOB)
        return "ok"

    checks = [_timed("database", database), _timed("blobs", blobs)]
    if registry.settings.job_queue:
        def queue() -> str:
            from redis import Redis

            Redis.from_url(registry.settings.job_queue, socket_timeout=2).ping()
            return "ok"

        checks.append(_timed("job_queue", queue))
    return checks


def figures(registry: Registry) -> dict[str, object]:
    now = utc_now()
    with registry.db.reading() as session:
        size = session.exec(select(func.max(LogCheckpoint.size))).one() or 0
        works = dict(session.exec(select(Work.kind, func.count()).group_by(Work.kind)).all())
        jobs = dict(session.exec(select(JobRow.state, func.count()).where(col(JobRow.ended_at).is_(None))
                                 .group_by(JobRow.state)).all())
        oldest = session.exec(select(func.min(JobRow.created_at)).where(JobRow.state == "queued")).one()
        pending = session.exec(select(func.count()).select_from(WebhookDelivery)
                               .where(WebhookDelivery.status == "pending")).one()
    return {"log_size": int(size), "works": {k: int(v) for k, v in works.items()},
            "jobs": {k: int(v) for k, v in jobs.items()},
            "oldest_queued_job_seconds": (now - as_utc(oldest)).total_seconds() if oldest else 0.0,
            "webhook_deliveries_pending": int(pending), "video_index_rows": registry.video_index.frames,
            "video_index_works": len(registry.video_index),
            "video_index_memory_rows": registry.video_index.memory_frames}
