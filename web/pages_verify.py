"""The verification page: drop any file (an article with its optional `.c2pa` sidecar, a video, an
image) and read its C2PA report and what the registry knows of it. Thin: the upload goes to
`registry.verification.verify_file`, the function POST /api/v1/verifications calls, and the result
is rendered (`templates/verify.html`); a refused upload renders the same page with the reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from registry.errors import InvalidInputError, RegistryError
from registry.verification import MAX_MANIFEST_BYTES, VerificationResult, verify_file

from .auth import PrincipalDep
from .deps import RegistryDep, read_upload, spooled_upload, upload_limit
from .errors import error_parts
from .templating import render

router = APIRouter(include_in_schema=False)

#: How each verdict is shown: (CSS class, headline). The headlines are catalogue messages.
VERDICTS = {
    "authentic": ("good", "Authentic: the manifest is valid over these bytes, and the work is registered and logged."),
    "modified-copy": ("warn", "A modified copy: no manifest covers these bytes, but they lead to a registered work."),
    "unregistered": ("neutral", "Unregistered: the registry knows nothing of this content."),
    "tampered": ("bad", "Tampered: a manifest exists for this content, but the bytes differ from what it signs."),
    "invalid": ("bad", "Invalid: the manifest or the log receipt fails to verify."),
}


def _page(request: Request, principal, *, result: VerificationResult | None = None,  # type: ignore[no-untyped-def]
          filename: str | None = None, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    report = result.to_dict() if result is not None else None
    return render(request, "verify.html", principal, status_code=status_code, report=report, filename=filename,
                  error=error, verdicts=VERDICTS)


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, principal: PrincipalDep) -> HTMLResponse:
    return _page(request, principal)


@router.post("/verify", response_class=HTMLResponse)
async def verify_upload(request: Request, registry: RegistryDep, principal: PrincipalDep,
                        file: Annotated[UploadFile | None, File()] = None,
                        manifest: Annotated[UploadFile | None, File()] = None) -> HTMLResponse:
    """The report on an uploaded file, or the page with why the upload was refused (4xx)."""
    filename = file.filename if file is not None else None
    try:
        if file is None or not file.filename:
            raise InvalidInputError("choose a file to verify")
        sidecar = None
        if manifest is not None and manifest.filename:
            sidecar = await read_upload(manifest, MAX_MANIFEST_BYTES, "manifest") or None
        async with spooled_upload(file, upload_limit(registry), "file") as path:
            if path.stat().st_size == 0:
                raise InvalidInputError(f"{filename} is empty (0 bytes)")
            result = await run_in_threadpool(verify_file, registry, path, sidecar=sidecar, principal=principal)
    except RegistryError as e:
        status, _ = error_parts(e)
        return _page(request, principal, filename=filename, error=str(e), status_code=status)
    return _page(request, principal, result=result, filename=filename)
