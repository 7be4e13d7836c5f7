"""/api/v1/works: register, list and read works."""

from __future__ import annotations

from typing import Annotated

from pathlib import Path

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, PlainTextResponse, Response

from registry.errors import PayloadTooLargeError
from registry.media import sniff_file
from registry.register import register_article
from registry.register_media import Progress, register_media
from registry.requests import RegistrationRequest, parse_metadata
from registry.works import (
    list_works,
    work_content,
    work_details,
    work_history,
    work_manifest,
    work_receipt,
    work_signed_copy,
    publish_work,
)

from .auth import PrincipalDep
from .deps import RegistryDep, run_upload

router = APIRouter(prefix="/api/v1/works", tags=["works"])


@router.post("", status_code=201, response_model=None, summary="Register an article, a video or an image",
             description="With `Prefer: respond-async` the answer is 202 and a job to poll at its `url`.")
async def register(
    http: Request,
    registry: RegistryDep,
    principal: PrincipalDep,
    file: UploadFile,
    kind: Annotated[str | None, Form(description="article, video or image; default: judged from the bytes")] = None,
    title: Annotated[str | None, Form()] = None,
    model: Annotated[str | None, Form()] = None,
    model_version: Annotated[str | None, Form()] = None,
    model_provider: Annotated[str | None, Form()] = None,
    dataset: Annotated[list[str] | None, Form(
        description="training-data source: 'URI' or 'URI LICENCE' (e.g. 'https://x.org/set CC-BY-4.0'); repeat")] = None,
    prompt: Annotated[str | None, Form(description="the prompt; only its SHA-256 digest is recorded")] = None,
    editor: Annotated[list[str] | None, Form(description="human editor; repeat for several")] = None,
    parent: Annotated[list[str] | None, Form(
        description="parent work id, your own work; the first is opened (parentOf), others placed (componentOf)")] = None,
    edit_action: Annotated[list[str] | None, Form(
        description="C2PA action done after generation, e.g. c2pa.cropped; repeat for several")] = None,
    training_mining: Annotated[str | None, Form(
        description="AI inference, training and data mining: notAllowed (default), allowed or constrained")] = None,
    training_constraint: Annotated[str | None, Form(description="how to ask, when training_mining is constrained")] = None,
    registrant: Annotated[str | None, Form(
        description="admins only: the organisation registering; everyone else registers as their credential's")] = None,
    embargo_until: Annotated[str | None, Form(
        description="ISO date or time: the work stays unpublished (seen only by your organisation) until then")] = None,
    unpublished: Annotated[bool, Form(description="unpublished until POST /api/v1/works/{id}/publication")] = False,
    metadata: Annotated[str | None, Form(description="JSON object with the same fields (samples/ layout)")] = None,
) -> Response | dict:
    base = parse_metadata(metadata) if metadata else {}
    request = RegistrationRequest.from_metadata(
        base, kind=kind, title=title, model=model,
        model_version=model_version, model_provider=model_provider, datasets=dataset or (),
        prompt=prompt, editors=editor or (), parents=parent or (), registrant=registrant,
        edit_actions=edit_action or (), training_mining=training_mining, training_constraint=training_constraint,
        embargo_until=embargo_until, unpublished=unpublished,
    )
    declared = kind or (base.get("kind") if isinstance(base, dict) else None)

    def work(path: Path, progress: Progress | None) -> dict:
        media = sniff_file(path)
        if (declared or (media.kind if media else "article")) == "article":
            size = path.stat().st_size
            if size > registry.settings.max_article_bytes:
                raise PayloadTooLargeError(
                    f"article is {size} bytes, the limit is {registry.settings.max_article_bytes} bytes")
            return register_article(registry, path.read_bytes(), request, principal=principal).to_dict()
        return register_media(registry, path, request, progress=progress, principal=principal).to_dict()

    return await run_upload(http, file, "registration", work)


@router.get("", summary="List the works you may see in log order: published ones and your organisation's")
def index(registry: RegistryDep, principal: PrincipalDep, offset: Annotated[int, Query(ge=0, le=(1 << 31) - 1)] = 0,
          limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict]:
    return list_works(registry, offset=offset, limit=limit, principal=principal)


@router.get("/{work_id}", summary="A work: provenance, parents, log index")
def details(registry: RegistryDep, principal: PrincipalDep, work_id: str) -> dict:
    return work_details(registry, work_id, principal=principal)


@router.post("/{work_id}/publication", summary="Publish an unpublished or embargoed work of your organisation now")
def publication(registry: RegistryDep, work_id: str) -> dict:
    return publish_work(registry, work_id)


@router.get("/{work_id}/history", summary="The edit history as a tree: parents, their parents, to any depth")
def history(registry: RegistryDep, principal: PrincipalDep, work_id: str) -> dict:
    return work_history(registry, work_id, principal=principal)


@router.get("/{work_id}/content", summary="The registered bytes, as uploaded")
def content(registry: RegistryDep, work_id: str) -> Response:
    path, media_type = work_content(registry, work_id)
    return FileResponse(path, media_type=media_type)


@router.get("/{work_id}/signed", summary="A video or image with its C2PA manifest embedded (the signed copy)")
def signed(registry: RegistryDep, work_id: str) -> Response:
    path, media_type, filename = work_signed_copy(registry, work_id)
    return FileResponse(path, media_type=media_type, filename=filename)


@router.get("/{work_id}/manifest", summary="The C2PA manifest store (detached sidecar for articles)")
def manifest(registry: RegistryDep, work_id: str) -> Response:
    return Response(
        work_manifest(registry, work_id), media_type="application/c2pa",
        headers={"Content-Disposition": f'attachment; filename="{work_id}.c2pa"'},
    )


@router.get("/{work_id}/receipt", response_class=PlainTextResponse,
            summary="A C2SP tlog-proof@v1 receipt against the newest signed checkpoint")
def receipt(registry: RegistryDep, work_id: str) -> str:
    return work_receipt(registry, work_id)
