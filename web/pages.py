"""The registry's pages for people: the works (search, filters, paging that reaches every one) and a
work's own page. Thin: each page calls the registry's functions, as the API does, and renders a
template (`templating.render`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typing import Annotated

from fastapi import APIRouter, Path as PathParam, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from registry.errors import InvalidInputError
from registry.sheets import sign_amendment
from registry.work_dossier import work_dossier
from registry.work_search import KINDS, WorkPage, WorkQuery, organisations, search_works
from registry.works import work_content, work_details

from .auth import PrincipalDep
from .deps import RegistryDep
from .templating import render

router = APIRouter(include_in_schema=False)
ASSETS = Path(__file__).resolve().parent / "static"
EXCERPT_CHARS = 1200


def mount_assets(app) -> None:  # type: ignore[no-untyped-def]
    """The pages' stylesheet and images, served by the registry itself (no other host)."""
    app.mount("/assets", StaticFiles(directory=ASSETS), name="assets")


def _query_of(request: Request) -> WorkQuery:
    params = request.query_params

    def day(name: str) -> date | None:
        value = params.get(name) or None
        try:
            return date.fromisoformat(value) if value else None
        except ValueError as e:
            raise InvalidInputError(f"{name} must be a date (YYYY-MM-DD), got {value!r}") from e

    after = params.get("after") or None
    if after is not None and not (after.isdigit() and len(after) <= 10):
        raise InvalidInputError(f"after must be a log index, got {after[:20]!r}")
    per_page = params.get("per_page") or "50"
    if not (per_page.isdigit() and len(per_page) <= 3):
        raise InvalidInputError(f"per_page must be a number of works, got {per_page[:20]!r}")
    return WorkQuery(text=params.get("q", "")[:200], kind=params.get("kind") or None,
                     organisation=params.get("org") or None, registered_from=day("from"), registered_to=day("to"),
                     after=int(after) if after is not None else None, limit=int(per_page))


def _works_page(request: Request, registry, principal) -> HTMLResponse:  # type: ignore[no-untyped-def]
    error = None
    try:
        query = _query_of(request)
        page = search_works(registry, query, principal=principal)
    except InvalidInputError as e:
        query, page, error = WorkQuery(), WorkPage(works=[], next_after=None), str(e)
    with registry.db.reading() as session:
        checkpoint = registry.log.latest_checkpoint(session)
    return render(request, "works.html", principal, status_code=422 if error else 200, query=query, page=page,
                  error=error, kinds=KINDS, organisations=organisations(registry),
                  log_size=checkpoint.size if checkpoint else 0)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, registry: RegistryDep, principal: PrincipalDep) -> HTMLResponse:
    return _works_page(request, registry, principal)


@router.get("/works", response_class=HTMLResponse)
def works(request: Request, registry: RegistryDep, principal: PrincipalDep) -> HTMLResponse:
    return _works_page(request, registry, principal)


@router.get("/works/{work_id}", response_class=HTMLResponse)
def work(request: Request, registry: RegistryDep, principal: PrincipalDep, work_id: str) -> HTMLResponse:
    details = work_details(registry, work_id, principal=principal)
    excerpt = None
    if details["kind"] == "article":
        path, _ = work_content(registry, work_id)
        with open(path, "rb") as handle:
            excerpt = handle.read(4 * EXCERPT_CHARS).decode("utf-8", "ignore")[:EXCERPT_CHARS]
    return render(request, "work.html", principal, work=details, provenance=details["provenance"], excerpt=excerpt,
                  dossier=work_dossier(registry, principal, work_id))


@router.post("/amendments/{amendment_id}/signatures")
async def sign(request: Request, registry: RegistryDep, principal: PrincipalDep,
               amendment_id: Annotated[int, PathParam(ge=1, le=(1 << 31) - 1)]) -> RedirectResponse:
    """A sign button of the work page: the caller consents for one party (the form's `party`)."""
    party = str((await request.form()).get("party", ""))[:200]
    signed = await run_in_threadpool(lambda: sign_amendment(registry, amendment_id, party, principal=principal))
    return RedirectResponse(f"/works/{signed['work_id']}#sheet", status_code=303)
