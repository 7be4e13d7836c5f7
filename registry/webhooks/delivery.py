"""Sending the outbox: every due delivery is leased (so two senders never send it at once), signed
and POSTed; a 2xx answer delivers it, anything else (an error status, a redirect, a timeout, a
refused target) schedules the next attempt by the Standard Webhooks retry schedule, until the
attempts run out and it is marked failed (an owner can send it again, `retry_delivery`).

`deliver_due` does one round and is what a worker calls; `run_sender` loops it in a thread of
`serve`. Receivers must be idempotent on the `webhook-id` header: a sender that dies after the
receiver answered but before the answer was recorded sends the same message again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import or_, update
from sqlmodel import col, select

from ..models import WebhookDelivery, WebhookEndpoint, utc_now
from ..service import Registry
from .signing import signed_headers
from .targets import resolved_problem

log = logging.getLogger("aigc_registry.webhooks")

#: seconds before the 2nd, 3rd, ... attempt (Standard Webhooks' suggestion; 8 attempts over ~28 hours)
RETRY_DELAYS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = timedelta(seconds=120)
USER_AGENT = "aigc-registry-webhooks/0.1"
ROUND = 50  # deliveries per round

#: (url, headers, body, timeout seconds) -> (status code or None, error text)
Send = Callable[[str, dict[str, str], bytes, float], tuple[int | None, str]]


@dataclass(frozen=True)
class Attempt:
    delivery_id: str
    url: str
    status_code: int | None
    error: str
    delivered: bool
    next_attempt_at: datetime | None  # None: delivered, or failed for good


def send_with_httpx(url: str, headers: dict[str, str], body: bytes, timeout: float) -> tuple[int | None, str]:
    """POST without following redirects and without reading the answer's body (only its status)."""
    try:
        with httpx.stream("POST", url, content=body, headers=headers, timeout=timeout,
                          follow_redirects=False) as response:
            code = response.status_code
    except httpx.HTTPError as e:
        return None, f"{type(e).__name__}: {e}"[:500]
    if 300 <= code < 400:
        return code, f"redirect to {response.headers.get('location', '?')[:300]} not followed"
    return code, "" if 200 <= code < 300 else f"answered {code}"


def deliver_due(registry: Registry, *, now: datetime | None = None, limit: int = ROUND,
                send: Send = send_with_httpx) -> list[Attempt]:
    """Send up to `limit` deliveries due at `now`; what each attempt gave."""
    now = now or utc_now()
    with registry.db.reading() as session:
        due = session.exec(select(WebhookDelivery.id).where(
            WebhookDelivery.status == "pending", col(WebhookDelivery.next_attempt_at) <= now,
            or_(col(WebhookDelivery.leased_until).is_(None), col(WebhookDelivery.leased_until) < now),
        ).order_by(col(WebhookDelivery.next_attempt_at)).limit(limit)).all()
    return [attempt for delivery_id in due if (attempt := _attempt(registry, delivery_id, now, send)) is not None]


def _lease(registry: Registry, delivery_id: str, now: datetime) -> bool:
    with registry.db.writing() as session:
        taken = session.exec(update(WebhookDelivery).where(  # type: ignore[call-overload]
            col(WebhookDelivery.id) == delivery_id, col(WebhookDelivery.status) == "pending",
            or_(col(WebhookDelivery.leased_until).is_(None), col(WebhookDelivery.leased_until) < now),
        ).values(leased_until=now + LEASE))
        return taken.rowcount == 1


def _attempt(registry: Registry, delivery_id: str, now: datetime, send: Send) -> Attempt | None:
    if not _lease(registry, delivery_id, now):
        return None  # another sender took it
    with registry.db.reading() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
        assert delivery is not None and endpoint is not None
        url, secret, body, attempts = endpoint.url, endpoint.secret, delivery.body.encode(), delivery.attempts
        gone = endpoint.deleted_at is not None
    code: int | None = None
    if gone:
        error = "the webhook was deleted"
    else:
        error = resolved_problem(url, allow_private=registry.settings.webhook_private_targets) or ""
        if not error:
            headers = signed_headers(secret, delivery_id, int(time.time()), body) | {
                "content-type": "application/json", "user-agent": USER_AGENT}
            code, error = send(url, headers, body, registry.settings.webhook_timeout_seconds)
    delivered = not error and code is not None and 200 <= code < 300
    attempts += 1
    retry_at = None if delivered or gone or attempts >= MAX_ATTEMPTS else now + timedelta(
        seconds=RETRY_DELAYS[attempts - 1])
    with registry.db.writing() as session:
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None
        row.attempts, row.last_status_code, row.last_error = attempts, code, error[:500]
        row.last_attempt_at, row.leased_until = utc_now(), None
        if delivered:
            row.status, row.delivered_at = "delivered", utc_now()
        elif retry_at is None:
            row.status = "failed"
        else:
            row.next_attempt_at = retry_at
        session.add(row)
    if not delivered:
        log.warning("webhook %s to %s: attempt %d %s", delivery_id, url, attempts, error or f"answered {code}")
    return Attempt(delivery_id, url, code, error, delivered, retry_at)


def run_sender(registry: Registry, stop: threading.Event) -> None:
    """Background: deliver what is due every `webhook_poll_seconds` (at once again after a full round)."""
    while not stop.is_set():
        try:
            full = len(deliver_due(registry)) >= ROUND
        except Exception:
            log.exception("webhook round failed")
            full = False
        if not full:
            stop.wait(registry.settings.webhook_poll_seconds)
