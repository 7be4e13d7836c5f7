"""/api/v1/matches and /api/v1/verifications: what a rights team sends a suspect file to."""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from fingerprint.text import COPY_COVERAGE
from registry.verification import MAX_MANIFEST_BYTES

from .auth import PrincipalDep
from .deps import RegistryDep, read_upload, run_upload

router = APIRouter(prefix="/api/v1", tags=["checks"])
SUSPECT = ("an article (UTF-8 text), a video (MP4, MOV, AVI) or an image (JPEG, PNG, WebP), told apart by its bytes; "
           "415 for other bytes")


@router.post("/matches", response_model=None, summary="The registered works a suspect file copies, best first",
             description="With `Prefer: respond-async` the answer is 202 and a job to poll at its `url`.")
async def matches(http: Request, registry: RegistryDep, principal: PrincipalDep,
                  file: Annotated[UploadFile, File(description=SUSPECT, json_schema_extra={"minLength": 1})],
                  verdict: Annotated[Literal["copy", "shares_passages"] | None, Query(
                      description="only text matches of this verdict: `copy` (the passages cover at least "
                      f"{COPY_COVERAGE} of the suspect or of the work) or `shares_passages` (a quote or a "
                      "sentence in common)")] = None,
                  format: Annotated[Literal["text", "html", "markdown"] | None, Query(
                      description="an article's format (default: from the file name, .html .htm .md .markdown, "
                      "or the first tag); HTML and Markdown are matched by their text and passages placed "
                      "in the markup sent")] = None,
                  ) -> Response | dict:
    """An article (text), a video or an image, told apart by its bytes: text matches carry
    `passages` (characters), a `verdict` and how much of the suspect and of the work the passages
    cover; videos and images carry `segments` (seconds)."""
    asked = {"verdict": verdict, "format": format}
    return await run_upload(http, file, "match", {key: value for key, value in asked.items() if value})


@router.post("/verifications", response_model=None,
             summary="Verify any file: its C2PA manifest, registration and log inclusion",
             description="An article (with its detached `.c2pa`), or a video or image (its embedded manifest). "
             "The registration is looked up by sha256, then by fingerprint, so a stripped or re-encoded copy "
             "still leads to its work and its original manifest (`registered_manifest`). With "
             "`Prefer: respond-async` the answer is 202 and a job to poll at its `url`.")
async def verifications(
    http: Request,
    registry: RegistryDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description=SUSPECT, json_schema_extra={"minLength": 1})],
    manifest: Annotated[UploadFile | None, File(description="detached C2PA manifest store (.c2pa)")] = None,
    receipt: Annotated[UploadFile | None, File(description="tlog-proof@v1 receipt")] = None,
) -> Response | dict:
    sidecar = await read_upload(manifest, MAX_MANIFEST_BYTES, "manifest") if manifest else None
    receipt_text = (await read_upload(receipt, 1 << 20, "receipt")).decode("utf-8", "replace") if receipt else None

    return await run_upload(http, file, "verification", {
        "sidecar": base64.b64encode(sidecar).decode() if sidecar else None, "receipt": receipt_text})
