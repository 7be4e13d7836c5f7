"""Request-scoped dependencies: the registry, and uploads read within a byte limit."""

from __future__ import annotations

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
