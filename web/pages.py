"""The registry's pages for people: the works (search, filters, paging that reaches every one) and a
work's own page. Thin: each page calls the registry's functions, as the API does, and renders a
template (`templating.render`)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from pathlib import Path

from typing import Annotated

from fastapi import APIRouter, Path as PathParam, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from registry.errors import InvalidInputError, NotFoundError
from registry.keyframes import picture_jpeg, strip_times, video_duration
from registry.log_proofs import log_entry
from registry.models import utc_now
from registry.sheets import sign_amendment
from registry.verification import work_manifest_report
from registry.work_dossier import work_dossier
from registry.work_search import KINDS, WorkPage, WorkQuery, organisations, parse_day, search_works
from registry.works import work_content, work_details, work_segments

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
        return parse_day(params.get(name) or None, name)  # an empty form field: no bound

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
    path, _ = work_content(registry, work_id)
    excerpt = pictures = None
    if details["kind"] == "article":
        with open(path, "rb") as handle:
            excerpt = handle.read(4 * EXCERPT_CHARS).decode("utf-8", "ignore")[:EXCERPT_CHARS]
    else:
        pictures = _pictures(work_id, details["kind"], path)
    manifest, manifest_problem = work_manifest_report(registry, work_id)
    leaf_hash = base64.b64decode(log_entry(registry, details["log_index"])["leaf_hash"]).hex()
    segments = work_segments(registry, work_id)["segments"] if details["kind"] == "video" else []
    return render(request, "work.html", principal, work=details, provenance=details["provenance"], excerpt=excerpt,
                  pictures=pictures, segments=segments, manifest=manifest.to_dict() if manifest else None,
                  manifest_problem=manifest_problem, leaf_hash=leaf_hash,
                  dossier=work_dossier(registry, principal, work_id))


def _pictures(work_id: str, kind: str, path: Path) -> dict:
    """A thumbnail, and for a video a strip of keyframes over its length."""
    if kind != "video":
        return {"thumbnail": f"/works/{work_id}/frame.jpg?width=640", "strip": [], "duration": None}
    duration = round(video_duration(path), 1)
    strip = [{"at": at, "src": f"/works/{work_id}/frame.jpg?at={at}&width=160"} for at in strip_times(duration)]
    thumbnail_at = strip[0]["at"] if strip else 0
    return {"thumbnail": f"/works/{work_id}/frame.jpg?at={thumbnail_at}&width=640", "strip": strip,
            "duration": duration}


@router.get("/works/{work_id}/frame.jpg")
def frame(registry: RegistryDep, principal: PrincipalDep, work_id: str,
          at: Annotated[float, Query(ge=0, le=86_400)] = 0.0,
          width: Annotated[int, Query(ge=160, le=640, description="160, 320 or 640")] = 320) -> Response:
    """A video's frame nearest `at` seconds (an image: the image), scaled to `width`, as JPEG."""
    details = work_details(registry, work_id, principal=principal)
    if details["kind"] == "article":
        raise NotFoundError(f"work {work_id} is an article: it has no pictures")
    path, _ = work_content(registry, work_id)
    jpeg = picture_jpeg(path, details["kind"], at=at, width=width, key=details["sha256"])
    published = details.get("published_at")
    public = published is not None and datetime.fromisoformat(published) <= utc_now()  # else: for its organisation
    return Response(jpeg, media_type="image/jpeg",
                    headers={"Cache-Control": "public, max-age=86400" if public else "private, max-age=3600"})


@router.post("/amendments/{amendment_id}/signatures")
async def sign(request: Request, registry: RegistryDep, principal: PrincipalDep,
               amendment_id: Annotated[int, PathParam(ge=1, le=(1 << 31) - 1)]) -> RedirectResponse:
    """A sign button of the work page: the caller consents for one party (the form's `party`)."""
    party = str((await request.form()).get("party", ""))[:200]
    signed = await run_in_threadpool(lambda: sign_amendment(registry, amendment_id, party, principal=principal))
    return RedirectResponse(f"/works/{signed['work_id']}#sheet", status_code=303)
