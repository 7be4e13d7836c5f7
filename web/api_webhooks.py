"""/api/v1/webhooks: an organisation's owners add endpoints (the signing secret in the answer only),
list and delete them, read the delivery log and send a failed delivery again (`registry.webhooks`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from registry import webhooks
from registry.webhooks.targets import MAX_URL_CHARS

from .auth import PrincipalDep
from .deps import RegistryDep
from .schema_types import StrictBody

router = APIRouter(prefix="/api/v1", tags=["webhooks"])
EventName = Literal["work.registered", "claim.created", "claim.changed", "dispute.opened"]
assert set(EventName.__args__) == set(webhooks.EVENTS)  # type: ignore[attr-defined]


class WebhookIn(StrictBody):
    url: str = Field(min_length=1, max_length=MAX_URL_CHARS, pattern=r"^https?://",
                     description="https:// (or http://) where to POST: no user name or password in it, and a host "
                     "that is no loopback, private, link-local or reserved address unless the registry allows "
                     "private targets (422 otherwise)")
    events: list[EventName] | None = Field(default=None, min_length=1, description="default: all of them")
    description: str = Field(default="", max_length=200)
    org: str | None = Field(default=None, max_length=200, description="admins only: the organisation")


@router.get("/webhooks", summary="Your organisation's webhooks")
async def index(registry: RegistryDep, principal: PrincipalDep,
                org: Annotated[str | None, Query(max_length=200, description="admins only")] = None) -> list[dict]:
    return await run_in_threadpool(webhooks.list_endpoints, registry, principal, org_name=org)


@router.post("/webhooks", status_code=201, summary="Add a webhook: its signing secret is in this answer only",
             description="Deliveries are POSTed as JSON `{type, timestamp, data}` with the Standard Webhooks "
             "headers `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` base64 HMAC-SHA256 of "
             "`id.timestamp.body` under the base64 part of the `whsec_` secret). Anything but a 2xx answer is "
             "tried again after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h. An organisation has at most 20 webhooks "
             "(409 past them).")
async def create(registry: RegistryDep, principal: PrincipalDep, body: WebhookIn) -> dict:
    return await run_in_threadpool(lambda: webhooks.create_endpoint(
        registry, principal, url=body.url, events=list(body.events) if body.events else None,
        description=body.description, org_name=body.org))


@router.delete("/webhooks/{webhook_id}", summary="Delete a webhook (its delivery log stays)")
async def delete(registry: RegistryDep, principal: PrincipalDep, webhook_id: str) -> dict:
    return await run_in_threadpool(webhooks.delete_endpoint, registry, principal, webhook_id)


@router.get("/webhook-deliveries", summary="The newest deliveries of your organisation's webhooks, with their state")
async def deliveries(registry: RegistryDep, principal: PrincipalDep,
                     webhook_id: Annotated[str | None, Query(max_length=40)] = None,
                     org: Annotated[str | None, Query(max_length=200, description="admins only")] = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict]:
    return await run_in_threadpool(lambda: webhooks.list_deliveries(
        registry, principal, endpoint_id=webhook_id, org_name=org, limit=limit))


@router.post("/webhook-deliveries/{delivery_id}/retry", summary="Send a failed delivery again, now")
async def retry(registry: RegistryDep, principal: PrincipalDep, delivery_id: str) -> dict:
    return await run_in_threadpool(webhooks.retry_delivery, registry, principal, delivery_id)
