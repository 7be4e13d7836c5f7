"""/api/v1/claims: a rights team files the strong matches of a suspect as claims, reviews them;
the organisation that registered the work disputes; the claimant reinstates or releases
(`registry.claims`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import Field

from registry.claims import STATES, act_on_claim, claim_details, list_claims
from registry.claims.service import MAX_NOTE_CHARS

from .auth import PrincipalDep
from .deps import RegistryDep, run_upload
from .schema_types import StrictBody

router = APIRouter(prefix="/api/v1/claims", tags=["claims"])
SUSPECT = ("an article (UTF-8 text), a video (MP4, MOV, AVI) or an image (JPEG, PNG, WebP), told apart by its bytes; "
           "415 for other bytes")


class Decision(StrictBody):
    action: Literal["confirm", "dismiss", "escalate", "reinstate", "release"]
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)


class Dispute(StrictBody):
    statement: str = Field(min_length=1, max_length=MAX_NOTE_CHARS, pattern=r"\S")


@router.post("", response_model=None, summary="Match a suspect file and file its strong matches as claims",
             description="Every match scoring at least the registry's `claim_threshold` becomes a `potential` "
             "claim of your organisation (a suspect already claimed against a work keeps its claim). With "
             "`Prefer: respond-async` the answer is 202 and a job to poll at its `url`.")
async def file(http: Request, registry: RegistryDep, principal: PrincipalDep,
               file: Annotated[UploadFile, File(description=SUSPECT, json_schema_extra={"minLength": 1})]
               ) -> Response | dict:
    return await run_upload(http, file, "claim", {})


@router.get("", summary="The claims your organisation filed or that are against its works, newest first")
async def index(registry: RegistryDep, principal: PrincipalDep,
                status: Annotated[Literal[STATES] | None, Query()] = None,  # type: ignore[valid-type]
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict]:
    return await run_in_threadpool(list_claims, registry, principal, status=status, limit=limit)


@router.get("/{claim_id}", summary="A claim: the match, its state, its history")
async def details(registry: RegistryDep, principal: PrincipalDep, claim_id: str) -> dict:
    return await run_in_threadpool(claim_details, registry, principal, claim_id)


@router.post("/{claim_id}/decision", summary="Review a claim: confirm, dismiss or escalate it; after a "
             "dispute, reinstate or release it (the claimant's reviewers)")
async def decide(registry: RegistryDep, principal: PrincipalDep, claim_id: str, body: Decision) -> dict:
    return await run_in_threadpool(act_on_claim, registry, principal, claim_id, body.action, body.note)


@router.post("/{claim_id}/dispute", summary="Dispute a confirmed claim against your organisation's work, "
             "with a statement, before its deadline")
async def dispute(registry: RegistryDep, principal: PrincipalDep, claim_id: str, body: Dispute) -> dict:
    return await run_in_threadpool(act_on_claim, registry, principal, claim_id, "dispute", body.statement)
