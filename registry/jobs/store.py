"""Job rows: created with their input in the blob store, leased by the runner that takes them (so
two runners never run one job at once, and a job whose runner died is taken again once its lease
runs out), reported on while they run, and ended with a result or an error."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, update
from sqlmodel import col, select

from ..accounts.principal import Principal
from ..errors import NotFoundError
from ..media import sha256_file
from ..models import JobRow, as_utc, utc_now
from ..service import Registry

LEASE = timedelta(minutes=10)  # renewed by every progress report; a longer silence frees the job
KEEP = timedelta(hours=24)  # how long an ended job answers polls
REPORT_EVERY_SECONDS = 0.5


def create_job(registry: Registry, kind: str, principal: Principal, params: dict, upload: Path, name: str) -> str:
    """Store the upload as a blob and write the queued job; its id."""
    sha256 = registry.blobs.put_file(upload, sha256_file(upload))
    job_id = uuid.uuid4().hex
    with registry.db.writing() as session:
        session.add(JobRow(id=job_id, kind=kind, owner=principal.actor if principal.authenticated else None,
                           principal_json=json.dumps(asdict(principal)), params_json=json.dumps(params),
                           input_sha256=sha256, input_name=name[:255] or "upload"))
    return job_id


def job_view(registry: Registry, job_id: str) -> dict:
    """What a poll answers: `{"job_id", "kind", "state", "stage", "progress"}` and the result or error."""
    row = _row(registry, job_id)
    body: dict = {"job_id": row.id, "kind": row.kind, "state": row.state, "stage": row.stage,
                  "progress": round(row.progress, 3)}
    if row.state == "done":
        body["result"] = json.loads(row.result_json or "null")
    if row.state == "failed":
        body["error"], body["status"] = json.loads(row.error_json or "{}"), row.status
    return body


def job_owner(registry: Registry, job_id: str) -> str | None:
    return _row(registry, job_id).owner


def _row(registry: Registry, job_id: str) -> JobRow:
    with registry.db.reading() as session:
        row = session.get(JobRow, job_id) if len(job_id) <= 40 else None
        if row is None or (row.ended_at is not None and as_utc(row.ended_at) < utc_now() - KEEP):
            raise NotFoundError(f"unknown job {job_id[:40]!r} (jobs are kept {KEEP.total_seconds():.0f} s after "
                                "they end)")
        return row


def lease(registry: Registry, job_id: str) -> JobRow | None:
    """Take a queued job, or a running one whose runner fell silent; None if another runner has it."""
    now = utc_now()
    with registry.db.writing() as session:
        taken = session.exec(update(JobRow).where(  # type: ignore[call-overload]
            col(JobRow.id) == job_id,
            or_(col(JobRow.state) == "queued",
                (col(JobRow.state) == "running") & (col(JobRow.leased_until) < now)),
        ).values(state="running", leased_until=now + LEASE, attempts=JobRow.attempts + 1, updated_at=now))
        if taken.rowcount != 1:
            return None
        row = session.get(JobRow, job_id)
        session.expunge(row)
        return row


def due_jobs(registry: Registry, limit: int = 100) -> list[str]:
    """Jobs a runner should take: queued, or running under a lease that ran out (their runner died)."""
    now = utc_now()
    with registry.db.reading() as session:
        return list(session.exec(select(JobRow.id).where(
            or_(col(JobRow.state) == "queued", (col(JobRow.state) == "running") & (col(JobRow.leased_until) < now)))
            .order_by(col(JobRow.created_at)).limit(limit)).all())


class Reporter:
    """The progress callback of a running job: written at most every `REPORT_EVERY_SECONDS`, each
    write renewing the lease."""

    def __init__(self, registry: Registry, job_id: str) -> None:
        self.registry, self.job_id, self._last = registry, job_id, 0.0

    def __call__(self, stage: str, share: float) -> None:
        now = time.monotonic()
        if now - self._last < REPORT_EVERY_SECONDS and share < 1.0:
            return
        self._last = now
        with self.registry.db.writing() as session:
            session.exec(update(JobRow).where(col(JobRow.id) == self.job_id).values(  # type: ignore[call-overload]
                stage=stage[:64], progress=max(0.0, min(share, 1.0)), leased_until=utc_now() + LEASE,
                updated_at=utc_now()))


def finish(registry: Registry, job_id: str, result: object) -> None:
    _end(registry, job_id, state="done", progress=1.0, result_json=json.dumps(result, ensure_ascii=False))


def fail(registry: Registry, job_id: str, status: int, error: dict) -> None:
    _end(registry, job_id, state="failed", status=status, error_json=json.dumps(error, ensure_ascii=False))


def requeue(registry: Registry, job_id: str, error: str) -> None:
    """Back in the queue after an unexpected failure, for another attempt."""
    with registry.db.writing() as session:
        session.exec(update(JobRow).where(col(JobRow.id) == job_id).values(  # type: ignore[call-overload]
            state="queued", stage=f"retrying after: {error}"[:64], leased_until=None, updated_at=utc_now()))


def _end(registry: Registry, job_id: str, **values: object) -> None:
    now = utc_now()
    with registry.db.writing() as session:
        session.exec(update(JobRow).where(col(JobRow.id) == job_id).values(  # type: ignore[call-overload]
            leased_until=None, updated_at=now, ended_at=now, **values))


def principal_of(row: JobRow) -> Principal:
    return Principal(**json.loads(row.principal_json))
