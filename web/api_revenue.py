"""/api/v1/parties, sheets, terms, revenue, resales, ledger and statements (issue 6)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from registry import ledger, sheets

from .deps import RegistryDep

router = APIRouter(prefix="/api/v1", tags=["revenue"])


class PartyIn(BaseModel):
    name: str
    kind: Literal["organisation", "person"] = "organisation"


class SheetIn(BaseModel):
    parties: list[dict] = Field(description='[{"party": name, "role": "creator", "share": "2500 bps"} | '
                                            '{"pool": label, "share": "1/10", "members": {name: weight}}]')
    effective_from: str = Field(description="first day the version is in force (ISO date)")


class SignatureIn(BaseModel):
    party: str


class TermsIn(BaseModel):
    parents: dict[str, int] = Field(default_factory=dict, description="parent work id -> share in basis points")
    model: Literal["relative", "absolute"] = "relative"
    resale_royalty_bps: int = Field(default=0, ge=0, le=10_000)


class RevenueIn(BaseModel):
    amount: str = Field(description='decimal string in the currency, e.g. "12.34"')
    currency: str
    earned_on: str
    reference: str = ""
    preview: bool = False


class ResaleIn(BaseModel):
    price: str
    currency: str
    seller: str
    sold_on: str
    reference: str = ""
    preview: bool = False


@router.post("/parties", status_code=201, summary="Add a party (payee, signer, registrant)")
def add_party(registry: RegistryDep, body: PartyIn) -> dict:
    return sheets.add_party(registry, body.name, body.kind)


@router.get("/parties", summary="List parties")
def parties(registry: RegistryDep) -> list[dict]:
    return sheets.list_parties(registry)


@router.get("/works/{work_id}/sheet", summary="A work's split-sheet versions, open amendments and royalty terms")
def sheet(registry: RegistryDep, work_id: str) -> dict:
    return sheets.sheet_history(registry, work_id)


@router.post("/works/{work_id}/sheet/amendments", status_code=201,
             summary="Propose a split-sheet version; it takes effect once every party has signed")
def propose(registry: RegistryDep, work_id: str, body: SheetIn) -> dict:
    return sheets.propose_sheet(registry, work_id, body.parties, body.effective_from)


@router.post("/amendments/{amendment_id}/signatures", summary="Sign an amendment as a party (stamped now)")
def sign(registry: RegistryDep, amendment_id: int, body: SignatureIn) -> dict:
    return sheets.sign_amendment(registry, amendment_id, body.party)


@router.put("/works/{work_id}/terms", summary="Set a work's royalty terms once (parent shares, model, resale royalty)")
def terms(registry: RegistryDep, work_id: str, body: TermsIn) -> dict:
    return sheets.set_terms(registry, work_id, parents=body.parents, model=body.model,
                            resale_royalty_bps=body.resale_royalty_bps)


@router.post("/works/{work_id}/revenue", summary="Record (or preview) revenue earned by a work")
async def revenue_event(registry: RegistryDep, work_id: str, body: RevenueIn) -> dict:
    return await run_in_threadpool(ledger.record_revenue, registry, work_id, body.amount, body.currency,
                                   body.earned_on, reference=body.reference, preview=body.preview)


@router.post("/works/{work_id}/resales", summary="Record (or preview) a resale: royalty through the split, rest to the seller")
async def resale(registry: RegistryDep, work_id: str, body: ResaleIn) -> dict:
    return await run_in_threadpool(ledger.record_resale, registry, work_id, body.price, body.currency,
                                   body.seller, body.sold_on, reference=body.reference, preview=body.preview)


@router.get("/ledger", summary="Ledger entries, newest first")
def entries(registry: RegistryDep, work_id: str | None = None,
            limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    return ledger.list_entries(registry, work_id=work_id, limit=limit)


@router.post("/ledger/{entry_id}/reversal", status_code=201, summary="Reverse a ledger entry (a correction)")
def reverse(registry: RegistryDep, entry_id: int) -> dict:
    return ledger.reverse_entry(registry, entry_id)


@router.get("/parties/{party}/statement", summary="A party's statement for a period, as JSON or CSV")
def statement(registry: RegistryDep, party: str, period_from: Annotated[str, Query(alias="from")],
              period_to: Annotated[str, Query(alias="to")], format: Literal["json", "csv"] = "json") -> Response:
    report = ledger.party_statement(registry, party, period_from, period_to)
    if format == "csv":
        return PlainTextResponse(report.to_csv(), media_type="text/csv")
    return JSONResponse(report.to_dict())
