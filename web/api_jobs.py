"""/api/v1/jobs: the progress and outcome of a registration or match asked for with
`Prefer: respond-async`."""

from __future__ import annotations

from fastapi import APIRouter

from registry.jobs import job_view

from .deps import RegistryDep

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.get("/{job_id}", summary="A job: state (queued, running, done, failed), stage, progress, result or error",
            description="Any of the registry's processes answers: the job lives in the database.")
def job(registry: RegistryDep, job_id: str) -> dict:
    return job_view(registry, job_id)
