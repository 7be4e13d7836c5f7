"""Request-scoped dependencies: the registry, and uploads read within a byte limit."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request, UploadFile

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


@asynccontextmanager
async def spooled_upload(upload: UploadFile, limit: int, what: str = "upload") -> AsyncIterator[Path]:
    """The upload copied to a temporary file (removed afterwards), refused once past `limit` bytes.
    The file keeps the upload's base name, so errors name what the client sent."""
    name = Path((upload.filename or "upload").replace("\\", "/")).name[-120:].lstrip(".") or "upload"
    folder = Path(tempfile.mkdtemp(prefix="aigc-upload-"))
    path = folder / name
    try:
        total = 0
        with open(path, "wb") as handle:
            while chunk := await upload.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise PayloadTooLargeError(f"{what} is larger than the limit of {limit:,} bytes")
                handle.write(chunk)
        yield path
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()


def upload_limit(registry: Registry) -> int:
    """The largest upload any kind allows (each kind's own limit is checked after sniffing)."""
    s = registry.settings
    return max(s.max_article_bytes, s.max_video_bytes, s.max_image_bytes)
