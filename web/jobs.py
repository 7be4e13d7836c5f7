"""Long uploads answered at once: `Prefer: respond-async` (RFC 7240) turns a registration or a match
into a job whose progress a client polls at `GET /api/v1/jobs/{id}`.

Jobs run in this process's worker threads and are kept in memory for ``KEEP_SECONDS`` after they
end; a restart forgets them (the work itself is either registered, all or nothing, or not). A
deployment with several server processes routes a client's polls to the process that took its job.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from registry.errors import NotFoundError, RegistryError

KEEP_SECONDS = 3600.0
MAX_JOBS = 1000  # jobs remembered; the oldest ended ones are forgotten first

Progress = Callable[[str, float], None]


@dataclass
class Job:
    id: str
    kind: str
    state: str = "queued"  # queued, running, done, failed
    stage: str = ""
    progress: float = 0.0
    result: Any = None
    error: dict | None = None
    status: int | None = None
    ended_at: float | None = None
    owner: str | None = None  # the credential's actor that started it; None: an anonymous job
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def report(self, stage: str, share: float) -> None:
        with self.lock:
            self.state, self.stage, self.progress = "running", stage, round(max(0.0, min(share, 1.0)), 3)

    def to_dict(self) -> dict:
        with self.lock:
            body: dict[str, Any] = {"job_id": self.id, "kind": self.kind, "state": self.state,
                                    "stage": self.stage, "progress": self.progress}
            if self.state == "done":
                body["result"] = self.result
            if self.state == "failed":
                body["error"] = self.error
                body["status"] = self.status
            return body


class JobBoard:
    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aigc-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(self, kind: str, work: Callable[[Progress], Any], on_error: Callable[[Exception], tuple[int, dict]],
               cleanup: Callable[[], None] = lambda: None, owner: str | None = None) -> Job:
        """Run `work(progress)` in a worker; its return value (JSON-able) is the job's result."""
        job = Job(id=uuid.uuid4().hex, kind=kind, owner=owner)
        with self._lock:
            self._forget_old()
            self._jobs[job.id] = job

        def run() -> None:
            try:
                result = work(job.report)
                with job.lock:
                    job.state, job.progress, job.result = "done", 1.0, result
            except Exception as e:  # every failure becomes the job's error, as a request's would
                status, body = on_error(e)
                with job.lock:
                    job.state, job.status, job.error = "failed", status, body["error"]
                if not isinstance(e, RegistryError):
                    raise
            finally:
                job.ended_at = time.monotonic()
                cleanup()

        self._pool.submit(run)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"unknown job {job_id!r} (jobs are kept {KEEP_SECONDS:.0f} s after they end)")
        return job

    def _forget_old(self) -> None:
        now = time.monotonic()
        ended = sorted((j.ended_at, j.id) for j in self._jobs.values() if j.ended_at is not None)
        for ended_at, job_id in ended:
            if now - ended_at > KEEP_SECONDS or len(self._jobs) >= MAX_JOBS:
                del self._jobs[job_id]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
