"""The registration page: drop one or many files and describe how they were made. With JavaScript
(`static/register.js`) each file goes to POST /api/v1/works with its own progress bar (a video as a
job whose stage is shown); without it the form posts here and one file is registered server-side
through the same functions (`api_works.checked_metadata`, `registry.jobs.register_upload`), answered
with a redirect to the new work's page or the form again with the reason."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from registry.accounts.principal import Principal
from registry.errors import InvalidInputError, RegistryError
from registry.requests import RegistrationRequest

from registry.jobs import register_upload

from .api_works import checked_metadata
from .auth import PrincipalDep
from .deps import RegistryDep, spooled_upload, upload_limit
from .errors import error_parts
from .templating import render

router = APIRouter(include_in_schema=False)

KINDS = ("article", "video", "image")
TRAINING_MINING = ("notAllowed", "allowed", "constrained")
#: The form's one-line fields, named as in POST /api/v1/works and in the metadata object.
TEXT_FIELDS = ("kind", "title", "model", "model_version", "model_provider", "training_mining",
               "training_constraint", "embargo_until")
#: The form's textareas, one value a line -> the metadata object's list (the API's repeated field).
LINE_FIELDS = {"datasets": "dataset", "editors": "editor", "parents": "parent", "edit_actions": "edit_action"}


def form_metadata(form: dict[str, str]) -> dict:
    """The form's fields as the metadata object the API checks: blank fields left out, each
    textarea split into lines, the unpublished checkbox a boolean.

    >>> form_metadata({"model": "veo", "title": " ", "datasets": "https://x.org/a CC0-1.0\\r\\n\\n", "unpublished": "on"})
    {'model': 'veo', 'datasets': ['https://x.org/a CC0-1.0'], 'unpublished': True}
    """
    base: dict[str, object] = {name: form[name].strip() for name in TEXT_FIELDS if (form.get(name) or "").strip()}
    for name in LINE_FIELDS:
        lines = [line.strip() for line in (form.get(name) or "").splitlines() if line.strip()]
        if lines:
            base[name] = lines
    if form.get("unpublished"):
        base["unpublished"] = True
    return base


def _page(request: Request, principal: Principal, *, form: dict[str, str] | None = None,
          error: str | None = None, filename: str | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "register.html", principal, status_code=status_code, form=form or {}, error=error,
                  filename=filename, kinds=KINDS, training_mining=TRAINING_MINING, line_fields=LINE_FIELDS)


@router.get("/register", response_class=HTMLResponse)
def register_form(request: Request, principal: PrincipalDep) -> HTMLResponse:
    return _page(request, principal)


@router.post("/register", response_class=HTMLResponse)
async def register_upload_form(request: Request, registry: RegistryDep, principal: PrincipalDep) -> Response:
    """One file registered (303 to its work page), or the form again with why it was refused (4xx)."""
    posted = await request.form()
    form = {name: value for name, value in posted.items() if isinstance(value, str)}
    upload = posted.get("file")
    filename = upload.filename if isinstance(upload, UploadFile) else None
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInputError("choose a file to register")
        base = checked_metadata(form_metadata(form), part="form")
        registration = RegistrationRequest.from_metadata(base)
        async with spooled_upload(upload, upload_limit(registry), "file") as path:
            if path.stat().st_size == 0:
                raise InvalidInputError(f"{filename} is empty (0 bytes)")
            work = await run_in_threadpool(register_upload, registry, path, registration,
                                           declared=base.get("kind"), principal=principal)
    except RegistryError as e:
        status, _ = error_parts(e)
        return _page(request, principal, form=form, error=str(e), filename=filename, status_code=status)
    return RedirectResponse(f"/works/{work['work_id']}", status_code=303)
