"""/api/v1/works: register, list and read works."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, PlainTextResponse, Response
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from registry.errors import InvalidInputError
from registry.jobs.tasks import request_to_params
from registry.requests import RegistrationRequest, parse_metadata
from registry.work_search import MAX_PAGE, WorkQuery, parse_day, search_works
from registry.works import (
    list_works,
    publish_work,
    work_content,
    work_details,
    work_history,
    work_manifest,
    work_receipt,
    work_segments,
    work_signed_copy,
)

from .auth import PrincipalDep
from .deps import RegistryDep, run_upload
from .schema_types import IsoDate

router = APIRouter(prefix="/api/v1/works", tags=["works"])

# What provenance/record.py accepts, as patterns the document carries and the form enforces.
_VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f]"
_LINE = r"[^\x00-\x1f\x7f-\x9f]"
_LINE_OR_TAB = r"[^\x00-\x08\x0a-\x1f\x7f-\x9f]"
Name = Annotated[str, StringConstraints(pattern=rf"^{_VISIBLE}(?:{_LINE}*{_VISIBLE})?$", max_length=256)]
Version = Annotated[str, StringConstraints(pattern=rf"^(?:{_VISIBLE}(?:{_LINE}*{_VISIBLE})?)?$", max_length=256)]
Title = Annotated[str, StringConstraints(pattern=rf"^{_LINE_OR_TAB}*{_VISIBLE}{_LINE_OR_TAB}*$", max_length=500)]
Dataset = Annotated[str, StringConstraints(
    pattern=rf"^[A-Za-z][A-Za-z0-9+.\-]+:{_VISIBLE}+(?: {_LINE_OR_TAB}*)?$", max_length=2048)]
EditAction = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z][a-zA-Z0-9_-]*(?:\.[a-zA-Z0-9_][a-zA-Z0-9_-]*)+$",
                                              max_length=128), Field(json_schema_extra={
                                                  "not": {"enum": ["c2pa.created", "c2pa.opened"]}})]
When = Annotated[str, Field(json_schema_extra={"anyOf": [{"format": "date"}, {"format": "date-time"}]})]
Kind = Literal["article", "video", "image"]
TrainingMining = Literal["notAllowed", "allowed", "constrained"]
Scalar = Annotated[str, StringConstraints(max_length=2048)] | int | float | bool | None
_PROVENANCE_KEYS = ("model_name", "dataset_sources", "prompt_digest")  # provenance's own names: not extras


class RegistrationMetadata(BaseModel):
    """The `metadata` part: the form's fields as one JSON object (the samples/ layout); unknown
    fields are kept as the record's extras (ADR 0008)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "propertyNames": {"not": {"enum": list(_PROVENANCE_KEYS)}}})
    title: Title | None = None
    kind: Kind | SkipJsonSchema[None] = None  # absent: judged from the bytes; never null
    model: Name | None = None
    model_version: Version | None = None
    model_provider: Name | None = None
    datasets: list[Dataset] = Field(default_factory=list)
    prompt: str | None = None
    editors: list[Name] = Field(default_factory=list)
    parents: list[str] = Field(default_factory=list, max_length=16, json_schema_extra={"uniqueItems": True})
    edit_actions: list[EditAction] = Field(default_factory=list)
    generation_parameters: dict[Name, Scalar] = Field(default_factory=dict, max_length=64,
                                                      json_schema_extra={"additionalProperties": False})
    training_mining: TrainingMining | None = None
    training_constraint: str | None = None
    registrant: str | None = None
    embargo_until: When | None = None
    unpublished: StrictBool = False
    language: str | None = None

    @model_validator(mode="after")
    def _no_provenance_keys(self) -> RegistrationMetadata:
        clash = sorted(set(self.model_extra or {}) & set(_PROVENANCE_KEYS))
        if clash:
            raise ValueError(f"metadata must not use provenance's own field names {clash}")
        return self


def checked_metadata(base: object, part: str = "metadata") -> dict:
    """`base` checked against `RegistrationMetadata`: the API's metadata part, or the register
    page's form fields gathered into one object (`part` names it in the error).

    >>> checked_metadata({"model": "veo", "datasets": ["https://x.org/set CC-BY-4.0"]})["model"]
    'veo'
    >>> checked_metadata({"model": "veo", "unpublished": "yes"}, part="form")
    Traceback (most recent call last):
    ...
    registry.errors.InvalidInputError: form.unpublished: Input should be a valid boolean
    """
    try:
        RegistrationMetadata.model_validate(base, strict=True)
    except ValidationError as e:
        problem = e.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or part
        raise InvalidInputError(f"{part}.{where}: {problem['msg']}") from e
    return base  # type: ignore[return-value]


def _metadata(text: str) -> dict:
    """The metadata part parsed within bounds and checked against `RegistrationMetadata`."""
    return checked_metadata(parse_metadata(text))


@router.post("", status_code=201, response_model=None, summary="Register an article, a video or an image",
             description="With `Prefer: respond-async` the answer is 202 and a job to poll at its `url`.")
async def register(
    http: Request,
    registry: RegistryDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="an article (UTF-8 text), a video (MP4, MOV, AVI) or an image "
                                         "(JPEG, PNG, WebP), told apart by its bytes; 415 for other bytes",
                                     json_schema_extra={"minLength": 1})],
    kind: Annotated[Kind | None, Form(description="default: judged from the bytes")] = None,
    title: Annotated[Title | None, Form()] = None,
    model: Annotated[Name | None, Form(description="required, here or in metadata")] = None,
    model_version: Annotated[Version | None, Form()] = None,
    model_provider: Annotated[Name | None, Form()] = None,
    dataset: Annotated[list[Dataset] | None, Form(
        description="training-data source: 'URI' or 'URI LICENCE' (e.g. 'https://x.org/set CC-BY-4.0'); repeat")] = None,
    prompt: Annotated[str | None, Form(description="the prompt; only its SHA-256 digest is recorded")] = None,
    editor: Annotated[list[Name] | None, Form(description="human editor; repeat for several")] = None,
    parent: Annotated[list[str] | None, Form(
        max_length=16, json_schema_extra={"uniqueItems": True},
        description="parent work id, your own work; the first is opened (parentOf), others placed (componentOf)")] = None,
    edit_action: Annotated[list[EditAction] | None, Form(
        description="C2PA action done after generation, e.g. c2pa.cropped; repeat for several")] = None,
    training_mining: Annotated[TrainingMining | None, Form(
        description="AI inference, training and data mining (default notAllowed); constrained needs "
                    "training_constraint")] = None,
    training_constraint: Annotated[str | None, Form(description="how to ask, when training_mining is constrained")] = None,
    registrant: Annotated[str | None, Form(
        description="admins only: the organisation registering; everyone else registers as their credential's")] = None,
    embargo_until: Annotated[When | None, Form(
        description="ISO date or time: the work stays unpublished (seen only by your organisation) until then")] = None,
    unpublished: Annotated[bool, Form(description="unpublished until POST /api/v1/works/{id}/publication; "
                                                  "not together with embargo_until")] = False,
    format: Annotated[Literal["text", "html", "markdown"] | None, Form(
        description="an article's format (default: from the file name, .html .htm .md .markdown, or the "
                    "first tag); HTML and Markdown are registered as their text, paragraphs kept")] = None,
    metadata: Annotated[str | None, Form(
        description="JSON object with the same fields (samples/ layout); the form's fields win",
        json_schema_extra={"contentMediaType": "application/json",
                           "contentSchema": RegistrationMetadata.model_json_schema()})] = None,
) -> Response | dict:
    base = _metadata(metadata) if metadata else {}
    request = RegistrationRequest.from_metadata(
        base, kind=kind, title=title, model=model,
        model_version=model_version, model_provider=model_provider, datasets=dataset or (),
        prompt=prompt, editors=editor or (), parents=parent or (), registrant=registrant,
        edit_actions=edit_action or (), training_mining=training_mining, training_constraint=training_constraint,
        embargo_until=embargo_until, unpublished=unpublished,
    )
    declared = kind or (base.get("kind") if isinstance(base, dict) else None)
    return await run_upload(http, file, "registration", {"request": request_to_params(request), "declared": declared,
                                                         "format": format})


@router.get("", summary="List the works you may see in log order: published ones and your organisation's")
def index(registry: RegistryDep, principal: PrincipalDep, offset: Annotated[int, Query(ge=0, le=(1 << 31) - 1)] = 0,
          limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict]:
    return list_works(registry, offset=offset, limit=limit, principal=principal)


@router.get("/search", summary="Find works you may see by title words, sha256, work id or ISCC (ISCC:...), kind, "
            "organisation and registration day, a page at a time in log order (pass `next_after` as `after` for the next)")
def search(registry: RegistryDep, principal: PrincipalDep,
           q: Annotated[str, Query(max_length=200)] = "",
           kind: Annotated[Literal["article", "video", "image"] | None, Query()] = None,
           org: Annotated[str | None, Query(max_length=200, description="the registering organisation's name")] = None,
           registered_from: Annotated[IsoDate | None, Query(alias="from")] = None,  # type: ignore[valid-type]
           registered_to: Annotated[IsoDate | None, Query(alias="to")] = None,  # type: ignore[valid-type]
           after: Annotated[int | None, Query(ge=0, le=(1 << 31) - 1)] = None,
           limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50) -> dict:
    page = search_works(registry, WorkQuery(text=q, kind=kind, organisation=org or None,
                                            registered_from=parse_day(registered_from, "from"),
                                            registered_to=parse_day(registered_to, "to"),
                                            after=after, limit=limit), principal=principal)
    return {"works": page.works, "next_after": page.next_after}


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


@router.get("/{work_id}/segments", summary="A video's segments: ids, time ranges, fingerprint digests, Merkle proofs")
def segments(registry: RegistryDep, work_id: str) -> dict:
    """Segment ``n`` of the video is ``WORK_ID/s/n``. Its ``leaf`` (canonical JSON) is leaf ``n`` of an
    RFC 9162 tree of ``segment_count`` leaves whose root, ``segments_root``, the work's log statement
    (entry ``log_index``, see its receipt) names; ``inclusion_proof`` (hex hashes) proves it there.
    ``fingerprint`` is the segment's AVF2 fingerprint, base64; ``fingerprint_sha256`` its SHA-256."""
    return work_segments(registry, work_id)
