"""/api/v1/parties, sheets, terms, revenue, resales, ledger and statements (issue 6)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import ConfigDict, Field

from registry import ledger, sheets
from revenue import CURRENCY_EXPONENTS, Role

from .auth import PrincipalDep
from .deps import RegistryDep
from .schema_types import IsoDate, StrictBody, integer

router = APIRouter(prefix="/api/v1", tags=["revenue"])
_RULES = ("a request that breaks a rule of revenue/ (shares that add up to the whole, a sheet in force on the day, "
          "the currency's minor unit, no royalty cycles) is refused with 422 whose `rule` names it")
_MAX_ID = (1 << 31) - 1  # amendment and ledger ids are INTEGER columns (32-bit on PostgreSQL)


# Whitespace as Python's str.strip() sees it, spelled out: regex engines disagree about \s.
_SPACE = r"[ \t\n\r\x0b\x0c\x1c-\x1f]"
_SOME_TEXT = r"[^ \t\n\r\x0b\x0c\x1c-\x1f]"  # not only whitespace
_COUNT = r"0*[1-9][0-9]*"
#: '2500 bps', '1/3' or '1' as revenue.parse_share reads them, more than nothing; that the shares add up
#: to the whole is a rule the answer names (422, `rule`)
_SHARE = rf"^{_SPACE}*(?:{_COUNT}{_SPACE}*bps|{_COUNT}(?:/{_COUNT})?){_SPACE}*$"
_AMOUNT = rf"^{_SPACE}*[0-9]+(?:\.[0-9]+)?{_SPACE}*$"  # plain decimal text; the currency's minor unit is a rule
Currency = Literal[tuple(sorted(CURRENCY_EXPONENTS))]  # type: ignore[valid-type]
Bps = integer(ge=0, le=10_000)


class PartyIn(StrictBody):
    name: str = Field(min_length=1, max_length=200, pattern=_SOME_TEXT)
    kind: Literal["organisation", "person"] = "organisation"
    user: str | None = Field(default=None, max_length=320,
                             description="a member's email: that member may sign for the party too")


class PartyShare(StrictBody):
    model_config = ConfigDict(strict=True, extra="forbid")  # a pool's fields make it a pool, not a party
    party: str = Field(min_length=1, description="a party's name")
    role: Literal[tuple(r.value for r in Role)] = "other"  # type: ignore[valid-type]
    share: str = Field(pattern=_SHARE, description="'2500 bps' or an exact fraction like '1/3'")


class PoolShare(StrictBody):
    model_config = ConfigDict(strict=True, extra="forbid")
    pool: str = Field(min_length=1, description="the pool's label")
    share: str = Field(pattern=_SHARE)
    members: dict[str, integer(ge=1)] = Field(  # type: ignore[valid-type]
       min_length=1, description="party name -> weight")


class SheetIn(StrictBody):
    parties: list[PartyShare | PoolShare] = Field(min_length=1, description=(
        "the shares must add up to the whole (a stated rule: 422 naming it otherwise)"))
    effective_from: IsoDate = Field(description="first day the version is in force (ISO date)")


class SignatureIn(StrictBody):
    party: str = Field(description="the party you sign for: your own, or (an owner) your organisation's")


class ReversalIn(StrictBody):
    reason: str = Field(min_length=1, max_length=500, pattern=_SOME_TEXT, description="why the entry is reversed")


class TermsIn(StrictBody):
    parents: dict[str, Bps] = Field(default_factory=dict, description="parent work id -> share in basis points")
    model: Literal["relative", "absolute"] = "relative"
    resale_royalty_bps: Bps = 0


class RevenueIn(StrictBody):
    amount: str = Field(pattern=_AMOUNT, description='decimal string in the currency, e.g. "12.34"')
    currency: Currency = Field(description="ISO 4217 code")
    earned_on: IsoDate = Field(description="the day it was earned: today or before")
    reference: str = ""
    preview: bool = False


class ResaleIn(StrictBody):
    price: str = Field(pattern=_AMOUNT)
    currency: Currency
    seller: str = Field(description="the party that sold")
    sold_on: IsoDate = Field(description="the day of the sale: today or before")
    marketplace: str | None = Field(default=None, description="the marketplace party paid a fee on the price")
    marketplace_fee_bps: Bps = 0
    reference: str = ""
    preview: bool = False


@router.post("/parties", status_code=201, summary="Add a party (payee, signer) of your organisation")
def add_party(registry: RegistryDep, principal: PrincipalDep, body: PartyIn) -> dict:
    return sheets.add_party(registry, body.name, body.kind, principal=principal, user=body.user)


@router.get("/parties", summary="List parties")
def parties(registry: RegistryDep) -> list[dict]:
    return sheets.list_parties(registry)


@router.get("/works/{work_id}/sheet", summary="A work's split-sheet versions, open amendments and royalty terms")
def sheet(registry: RegistryDep, work_id: str) -> dict:
    return sheets.sheet_history(registry, work_id)


@router.post("/works/{work_id}/sheet/amendments", status_code=201,
             summary="Propose a split-sheet version; it takes effect once every party has signed",
             description=_RULES)
def propose(registry: RegistryDep, principal: PrincipalDep, work_id: str, body: SheetIn) -> dict:
    return sheets.propose_sheet(registry, work_id, [p.model_dump() for p in body.parties], body.effective_from,
                                principal=principal)


@router.post("/amendments/{amendment_id}/signatures",
             summary="Sign an amendment for a party you speak for (stamped now, over its canonical bytes)",
             description=_RULES)
def sign(registry: RegistryDep, principal: PrincipalDep, amendment_id: Annotated[int, Path(ge=1, le=_MAX_ID)],
         body: SignatureIn) -> dict:
    return sheets.sign_amendment(registry, amendment_id, body.party, principal=principal)


@router.post("/amendments/{amendment_id}/withdrawal", summary="Withdraw an open amendment you proposed")
def withdraw(registry: RegistryDep, principal: PrincipalDep,
             amendment_id: Annotated[int, Path(ge=1, le=_MAX_ID)]) -> dict:
    return sheets.withdraw_amendment(registry, amendment_id, principal=principal)


@router.put("/works/{work_id}/terms", summary="Set a work's royalty terms once (parent shares, model, resale royalty)",
             description=_RULES)
def terms(registry: RegistryDep, work_id: str, body: TermsIn) -> dict:
    return sheets.set_terms(registry, work_id, parents=body.parents, model=body.model,
                            resale_royalty_bps=body.resale_royalty_bps)


@router.post("/works/{work_id}/revenue", summary="Record (or preview) revenue earned by a work",
             description=_RULES)
async def revenue_event(registry: RegistryDep, work_id: str, body: RevenueIn) -> dict:
    return await run_in_threadpool(ledger.record_revenue, registry, work_id, body.amount, body.currency,
                                   body.earned_on, reference=body.reference, preview=body.preview)


@router.post("/works/{work_id}/resales",
             summary="Record (or preview) a resale: royalty through the split, rest to the seller",
             description=_RULES)
async def resale(registry: RegistryDep, work_id: str, body: ResaleIn) -> dict:
    return await run_in_threadpool(lambda: ledger.record_resale(
        registry, work_id, body.price, body.currency, body.seller, body.sold_on, marketplace=body.marketplace,
        marketplace_fee_bps=body.marketplace_fee_bps, reference=body.reference, preview=body.preview))


@router.get("/ledger", summary="Ledger entries of your organisation's works, newest first (admins: all)")
def entries(registry: RegistryDep, principal: PrincipalDep, work_id: str | None = None,
            limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    org = None if principal.is_admin else (principal.org_id or "")
    return ledger.list_entries(registry, work_id=work_id, limit=limit, org_id=org)


@router.post("/ledger/{entry_id}/reversal", status_code=201,
             summary="Reverse a ledger entry of your organisation's work (owners and admins), with a reason")
def reverse(registry: RegistryDep, entry_id: Annotated[int, Path(ge=1, le=_MAX_ID)], body: ReversalIn) -> dict:
    return ledger.reverse_entry(registry, entry_id, reason=body.reason)


@router.get("/parties/{party}/statement", summary="A party's statement for a period, as JSON or CSV",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def statement(registry: RegistryDep, party: str, period_from: Annotated[IsoDate, Query(alias="from")],
              period_to: Annotated[IsoDate, Query(alias="to", description="on or after `from` (422 otherwise)")],
              format: Literal["json", "csv"] = "json") -> Response:
    report = ledger.party_statement(registry, party, period_from, period_to)
    if format == "csv":
        return PlainTextResponse(report.to_csv(), media_type="text/csv")
    return JSONResponse(report.to_dict())
