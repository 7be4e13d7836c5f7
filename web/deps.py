"""Request-scoped dependencies: the registry, and uploads read within a byte limit."""

from __future__ import annotations

import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from registry.errors import PayloadTooLargeError
from registry.service import Registry

_CHUNK = 1 << 20


def get_registry(request: Request) -> Registry:
    return request.app.state.registry


RegistryDep = Annotated[Registry, Depends(get_registry)]


async def read_upload(upload: UploadFile, limit: int, what: str = "upload") -> bytes:
    """Read an uploaded file, refusing it as soon as it passes `limit` bytes."""
    parts: list[bytes] = []
    total = 0
    while chunk := await upload.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise PayloadTooLargeError(f"{what} is larger than the limit of {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


async def spool_upload(upload: UploadFile, limit: int, what: str = "upload") -> Path:
    """The upload copied to a file in a new temporary folder (see `discard`), refused once past
    `limit` bytes. The file keeps the upload's base name, so errors name what the client sent."""
    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await upload.read(_CHUNK):
            yield chunk

    return await _spool(chunks(), upload.filename, limit, what)


async def spool_body(request: Request, limit: int, name: str, what: str = "asset") -> Path:
    """A request's raw body (an asset posted as itself, not as a form) copied to a file in a new
    temporary folder (see `discard`), refused once past `limit` bytes."""
    return await _spool(request.stream(), name, limit, what)


async def _spool(chunks: AsyncIterator[bytes], name: str | None, limit: int, what: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="aigc-upload-")) / safe_filename(name)
    try:
        total = 0
        with open(path, "wb") as handle:
            async for chunk in chunks:
                total += len(chunk)
                if total > limit:
                    raise PayloadTooLargeError(f"{what} is larger than the limit of {limit:,} bytes")
                handle.write(chunk)
    except BaseException:
        discard(path)
        raise
    return path


_UNSAFE_IN_NAMES = re.compile(r"[\x00-\x1f\x7f]")


def safe_filename(name: str | None) -> str:
    """The base name of a client's file name, without control characters (NUL included), path
    parts or a leading dot, at most 120 characters: what a spooled upload is called on disk."""
    base = Path(_UNSAFE_IN_NAMES.sub("", name or "").replace("\\", "/")).name[-120:].lstrip(".")
    return base or "upload"


def discard(path: Path) -> None:
    """Remove a spooled upload and its folder."""
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()
    except OSError:
        pass


@asynccontextmanager
async def spooled_upload(upload: UploadFile, limit: int, what: str = "upload") -> AsyncIterator[Path]:
    path = await spool_upload(upload, limit, what)
    try:
        yield path
    finally:
        discard(path)


def upload_limit(registry: Registry) -> int:
    """The largest upload any kind allows (each kind's own limit is checked after sniffing)."""
    s = registry.settings
    return max(s.max_article_bytes, s.max_video_bytes, s.max_image_bytes)


def wants_async(request: Request) -> bool:
    """RFC 7240: the client asked for 202 and a job to poll instead of waiting."""
    return "respond-async" in request.headers.get("prefer", "").lower()


async def run_upload(request: Request, upload: UploadFile, kind: str, params: dict) -> Response | dict:
    """Spool `upload` and run the task `kind` on it (`registry.jobs.tasks`): in a worker thread while
    the request waits, or, when the client prefers, as a job answered at once with 202 and its URL
    (the upload kept in the blob store, the job run by the registry's job runner)."""
    from registry.jobs import create_job, job_view, run_task

    registry: Registry = request.app.state.registry
    principal = request.state.principal
    path = await spool_upload(upload, upload_limit(registry), "file")
    params = {"filename": upload.filename, **params}
    try:
        if not wants_async(request):
            return await run_in_threadpool(run_task, registry, kind, principal, path, params, None)
        job_id = await run_in_threadpool(create_job, registry, kind, principal, params, path, upload.filename or "")
    finally:
        discard(path)
    request.app.state.jobs.enqueue(job_id)
    url = f"/api/v1/jobs/{job_id}"
    return JSONResponse(job_view(registry, job_id) | {"url": url}, status_code=202,
                        headers={"Location": url, "Preference-Applied": "respond-async"})
