"""`aigc-registry worker`: an RQ worker on the registry's Redis queue, with one registry opened from
the environment's settings (the same as the API processes'). Jobs run in the worker's own process
(RQ's SimpleWorker: no fork per job, so the open database pool and decoder workers are reused).
With a queue, webhook deliveries are sent by the workers (a sender thread each, deliveries leased in
the database), not by the API processes. A worker also, in a thread checking every minute, writes
a new video index snapshot once ``video_snapshot_rows`` frame rows came in since the newest, and
copies newly filled full tiles to the tiles mirror (``tiles``) if there is one."""

from __future__ import annotations

import logging
import threading

from ..service import Registry
from ..settings import Settings
from .runner import QUEUE, Retry, execute

_registry: Registry | None = None
_error_parts = None
_lock = threading.Lock()
log = logging.getLogger(__name__)
UPKEEP_SECONDS = 60.0


def snapshot_if_due(registry: Registry) -> bool:
    """Write a video index snapshot if ``video_snapshot_rows`` rows came in since the newest."""
    due = registry.settings.video_snapshot_rows
    if due <= 0:
        return False
    with registry.db.reading() as session:
        registry.video_index.catch_up(session)
    if registry.video_index.memory_frames < due:
        return False
    built = registry.video_index.build_snapshot(registry.db)
    if built is not None:
        log.warning("video index snapshot %s: %d works, %d frame rows, %d bytes, in %.1f s",
                    built.sha256, built.works, built.frames, built.size, built.seconds)
    return built is not None


def upkeep(registry: Registry) -> None:
    """What a worker does besides jobs: a video index snapshot if due, newly filled tiles mirrored."""
    try:
        snapshot_if_due(registry)
    except Exception:
        log.exception("video index snapshot failed")
    if registry.tile_mirror is not None:
        from ..tile_mirror import mirror_tiles

        try:
            mirror_tiles(registry, registry.tile_mirror)
        except Exception:
            log.exception("mirroring tiles to %s failed", registry.tile_mirror.describe())


def run_upkeep(registry: Registry, stop: threading.Event) -> None:
    while not stop.wait(UPKEEP_SECONDS):
        upkeep(registry)


def run(job_id: str) -> str:
    """The RQ task: run the job; raising Retry makes RQ try it again after its backoff."""
    assert _registry is not None and _error_parts is not None, "run() is called inside `aigc-registry worker`"
    outcome = execute(_registry, job_id, _error_parts)
    if outcome == "retry":
        raise Retry(f"job {job_id} failed unexpectedly; RQ tries it again")
    return outcome


def work(settings: Settings, error_parts, *, burst: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Serve the queue until stopped (or, with `burst`, until it is empty)."""
    global _registry, _error_parts
    from redis import Redis
    from rq import Queue, SimpleWorker

    if not settings.job_queue:
        raise ValueError("set AIGC_REGISTRY_JOB_QUEUE=redis://HOST:PORT/DB: the worker serves that queue")
    from ..webhooks import deliver_due, run_sender

    with _lock:
        _registry, _error_parts = Registry.open(settings), error_parts
    stop = threading.Event()
    sender = threading.Thread(target=run_sender, args=(_registry, stop), daemon=True, name="webhook-sender")
    if settings.webhook_sender and not burst:
        sender.start()
    upkeeper = threading.Thread(target=run_upkeep, args=(_registry, stop), daemon=True, name="upkeep")
    if not burst:
        upkeeper.start()
    try:
        connection = Redis.from_url(settings.job_queue)
        SimpleWorker([Queue(QUEUE, connection=connection)], connection=connection).work(
            burst=burst, with_scheduler=True, logging_level="WARNING")
        if settings.webhook_sender and burst:
            deliver_due(_registry)  # what the jobs just announced
        if burst:
            upkeep(_registry)
    finally:
        stop.set()
        if sender.is_alive():
            sender.join(timeout=settings.webhook_timeout_seconds + 5)
        with _lock:
            _registry.close()
            _registry = None
