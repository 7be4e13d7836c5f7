"""The outbox: an event becomes one pending delivery per endpoint that wants it, written in the
same transaction as the change it announces, so a change that rolls back announces nothing and a
committed one is never lost (the sender picks the rows up, `registry.webhooks.delivery`).

Events carry ids, states and links, not content: a receiver fetches what it may see with its own
key, so a payload can never show more than the API would.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable

from sqlmodel import Session, col, select

from ..models import WebhookDelivery, WebhookEndpoint, utc_now

#: event type -> what it announces
EVENTS: dict[str, str] = {
    "work.registered": "a work of the organisation was registered (its log index, receipt and page)",
    "claim.created": "a suspect the organisation's reviewers filed became a potential claim",
    "claim.changed": "a claim the organisation is a side of changed state (reviewed, disputed, settled)",
    "dispute.opened": "the organisation that registered a work disputed the organisation's confirmed claim",
}


def message_id() -> str:
    return "msg_" + os.urandom(16).hex()


def announce(session: Session, org_ids: Iterable[str | None], event_type: str, data: dict) -> int:
    """Queue `event_type` with `data` for every live endpoint of the organisations `org_ids` that
    subscribed to it; the number of deliveries queued."""
    assert event_type in EVENTS, event_type
    wanted = sorted({org for org in org_ids if org})
    if not wanted:
        return 0
    endpoints = session.exec(select(WebhookEndpoint).where(
        col(WebhookEndpoint.org_id).in_(wanted), col(WebhookEndpoint.deleted_at).is_(None))).all()
    now = utc_now()
    queued = 0
    for endpoint in endpoints:
        if event_type not in endpoint.events.split():
            continue
        body = json.dumps({"type": event_type, "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "data": data},
                          ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        session.add(WebhookDelivery(id=message_id(), endpoint_id=endpoint.id, event_type=event_type, body=body,
                                    next_attempt_at=now, created_at=now))
        queued += 1
    return queued
