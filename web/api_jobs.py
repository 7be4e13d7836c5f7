"""/api/v1/jobs: the progress and outcome of a registration or match asked for with
`Prefer: respond-async`."""

from __future__ import annotations

from fastapi import APIRouter, Request

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.get("/{job_id}", summary="A job: state (queued, running, done, failed), stage, progress, result or error")
def job(request: Request, job_id: str) -> dict:
    return request.app.state.jobs.get(job_id).to_dict()
