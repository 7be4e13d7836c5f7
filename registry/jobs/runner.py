"""Running jobs. `execute` runs one: it leases the row, fetches the input from the blob store, runs
the task, and ends the row with its result, or its error for a refused input (a client error is
not retried); an unexpected failure puts the job back for another attempt, up to `MAX_ATTEMPTS`.

Two runners hand jobs to `execute`:

- `LocalRunner`, the embedded default: threads of the serving process. On start it takes the jobs
  a previous process left queued or running (their lease ran out), so jobs survive a restart.
- `RedisRunner`, for a deployment (``AIGC_REGISTRY_JOB_QUEUE=redis://...``): each job is put on an
  RQ queue in Redis and run by ``aigc-registry worker`` processes on any machine, retried by RQ
  with backoff; the job's row in the database is what any API process answers a poll with.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import RegistryError
from ..service import Registry
from .store import Reporter, due_jobs, fail, finish, lease, principal_of, requeue
from .tasks import run_task

log = logging.getLogger("aigc_registry.jobs")

MAX_ATTEMPTS = 3
RETRY_SECONDS = (10, 60)  # before the 2nd and 3rd attempts (RQ's Retry intervals)
QUEUE = "aigc-registry"
ErrorParts = Callable[[Exception], tuple[int, dict]]


class Retry(Exception):
    """The job failed unexpectedly and goes back to the queue (RQ retries it)."""


def execute(registry: Registry, job_id: str, error_parts: ErrorParts) -> str:
    """Run one job: "done", "failed", "retry" (back in the queue) or "taken" (another runner has it)."""
    row = lease(registry, job_id)
    if row is None:
        return "taken"
    params = json.loads(row.params_json)
    try:
        with tempfile.TemporaryDirectory(prefix="aigc-job-") as folder:
            path = Path(folder) / (Path(row.input_name).name or "upload")  # errors name what the client sent
            path.symlink_to(registry.blobs.path_of(row.input_sha256 or ""))
            result = run_task(registry, row.kind, principal_of(row), path, params, Reporter(registry, job_id))
    except RegistryError as e:  # the input's fault: said once, never retried
        status, body = error_parts(e)
        fail(registry, job_id, status, body["error"])
        return "failed"
    except Exception as e:  # noqa: BLE001 - the server's fault: another attempt, then a 500
        if row.attempts < MAX_ATTEMPTS:
            log.warning("job %s (%s) attempt %d failed, retrying: %r", job_id, row.kind, row.attempts, e)
            requeue(registry, job_id, type(e).__name__)
            return "retry"
        log.exception("job %s (%s) failed after %d attempts", job_id, row.kind, row.attempts)
        status, body = error_parts(e)
        fail(registry, job_id, status, body["error"])
        return "failed"
    finish(registry, job_id, result)
    return "done"


class LocalRunner:
    """Jobs in threads of this process (the embedded default)."""

    def __init__(self, registry: Registry, error_parts: ErrorParts, workers: int = 2) -> None:
        self.registry, self.error_parts = registry, error_parts
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aigc-job")
        self._closed = threading.Event()

    def resume(self) -> int:
        """Take the jobs an earlier process left behind; how many."""
        found = due_jobs(self.registry)
        for job_id in found:
            self.enqueue(job_id)
        return len(found)

    def enqueue(self, job_id: str) -> None:
        self._pool.submit(self._run, job_id)

    def _run(self, job_id: str) -> None:
        for _attempt in range(MAX_ATTEMPTS):
            if self._closed.is_set() or execute(self.registry, job_id, self.error_parts) != "retry":
                return
            self._closed.wait(RETRY_SECONDS[min(_attempt, len(RETRY_SECONDS) - 1)])

    def close(self) -> None:
        self._closed.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


class RedisRunner:
    """Jobs on an RQ queue in Redis, run by `aigc-registry worker` processes."""

    def __init__(self, url: str) -> None:
        from redis import Redis
        from rq import Queue

        self.queue = Queue(QUEUE, connection=Redis.from_url(url))

    def resume(self) -> int:
        return 0  # the queue is Redis's: it outlives this process

    def enqueue(self, job_id: str) -> None:
        from rq import Retry as RQRetry

        self.queue.enqueue("registry.jobs.worker.run", job_id, job_id=f"aigc-{job_id}", job_timeout=4 * 3600,
                           retry=RQRetry(max=MAX_ATTEMPTS - 1, interval=list(RETRY_SECONDS)),
                           result_ttl=3600, failure_ttl=24 * 3600)

    def close(self) -> None:
        self.queue.connection.close()
