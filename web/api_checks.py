"""/api/v1/matches and /api/v1/verifications: what a rights team sends a suspect file to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool

from registry.matching import match_article
from registry.verification import verify_article_file

from .deps import RegistryDep, read_upload

router = APIRouter(prefix="/api/v1", tags=["checks"])


@router.post("/matches", summary="The registered works a suspect file copies, best first")
async def matches(registry: RegistryDep, file: UploadFile) -> dict:
    raw = await read_upload(file, registry.settings.max_article_bytes, "text")
    found = await run_in_threadpool(match_article, registry, raw)
    return {"file": file.filename, "matches": [m.to_dict() for m in found]}


@router.post("/verifications", summary="Verify a file: manifest, registration and log inclusion")
async def verifications(
    registry: RegistryDep,
    file: UploadFile,
    manifest: Annotated[UploadFile | None, File(description="detached C2PA sidecar (.c2pa)")] = None,
    receipt: Annotated[UploadFile | None, File(description="tlog-proof@v1 receipt")] = None,
) -> dict:
    limit = registry.settings.max_article_bytes
    raw = await read_upload(file, limit, "file")
    sidecar = await read_upload(manifest, limit, "manifest") if manifest else None
    receipt_text = (await read_upload(receipt, 1 << 20, "receipt")).decode("utf-8", "replace") if receipt else None
    result = await run_in_threadpool(verify_article_file, registry, raw, sidecar=sidecar, receipt_text=receipt_text)
    return {"file": file.filename, **result.to_dict()}
