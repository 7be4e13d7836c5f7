"""Webhook endpoints, the use cases: an organisation's owner adds one (the secret is shown once),
lists them with their recent deliveries, deletes one, or sends a failed delivery again. Admins
manage any organisation's, naming it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from ..accounts.audit import record_audit
from ..accounts.orgs import require_org
from ..accounts.principal import Principal
from ..errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from ..ids import new_id
from ..models import Organisation, WebhookDelivery, WebhookEndpoint, as_utc, utc_now
from ..service import Registry
from .outbox import EVENTS
from .signing import new_secret
from .targets import url_problem

MAX_ENDPOINTS_PER_ORG = 20


def create_endpoint(registry: Registry, principal: Principal, *, url: str, events: list[str] | None = None,
                    description: str = "", org_name: str | None = None) -> dict:
    """A new endpoint of the caller's organisation (an admin names one), for `events` (all when
    None): its view plus `secret`, which appears only here."""
    chosen = sorted(set(events)) if events else sorted(EVENTS)
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown:
        raise InvalidInputError(f"unknown event {unknown[0]!r}: one of {', '.join(EVENTS)}")
    problem = url_problem(url, allow_private=registry.settings.webhook_private_targets)
    if problem:
        raise InvalidInputError(problem)
    if len(description) > 200:
        raise InvalidInputError("a webhook's description is at most 200 characters")
    with registry.db.writing() as session:
        org = _target_org(session, principal, org_name)
        live = session.exec(select(WebhookEndpoint.id).where(
            WebhookEndpoint.org_id == org.id, col(WebhookEndpoint.deleted_at).is_(None))).all()
        if len(live) >= MAX_ENDPOINTS_PER_ORG:
            raise ConflictError(f"an organisation has at most {MAX_ENDPOINTS_PER_ORG} webhooks: delete one first")
        endpoint = WebhookEndpoint(id=new_id(), org_id=org.id, url=url, events=" ".join(chosen), secret=new_secret(),
                                   description=description, created_by=principal.describe()[:300])
        session.add(endpoint)
        session.flush()
        record_audit(session, principal, "webhook-create", target=f"webhook:{endpoint.id}", detail=url[:200])
        return _view(endpoint, org.name) | {"secret": endpoint.secret}


def list_endpoints(registry: Registry, principal: Principal, *, org_name: str | None = None) -> list[dict]:
    with registry.db.reading() as session:
        statement = select(WebhookEndpoint, Organisation).join(
            Organisation, col(Organisation.id) == col(WebhookEndpoint.org_id)).where(
            col(WebhookEndpoint.deleted_at).is_(None)).order_by(col(WebhookEndpoint.created_at))
        if not principal.is_admin or org_name:
            statement = statement.where(WebhookEndpoint.org_id == _target_org(session, principal, org_name).id)
        return [_view(endpoint, org.name) for endpoint, org in session.exec(statement).all()]


def delete_endpoint(registry: Registry, principal: Principal, endpoint_id: str) -> dict:
    """Stop sending to an endpoint; its deliveries stay in the log, those still pending fail."""
    with registry.db.writing() as session:
        endpoint = _endpoint(session, principal, endpoint_id)
        endpoint.deleted_at = utc_now()
        session.add(endpoint)
        record_audit(session, principal, "webhook-delete", target=f"webhook:{endpoint.id}", detail=endpoint.url[:200])
        org = session.get(Organisation, endpoint.org_id)
        return _view(endpoint, org.name if org else None)


def list_deliveries(registry: Registry, principal: Principal, *, endpoint_id: str | None = None,
                    org_name: str | None = None, limit: int = 50) -> list[dict]:
    """The newest deliveries of the organisation's endpoints (or of one), each with its state."""
    with registry.db.reading() as session:
        statement = select(WebhookDelivery, WebhookEndpoint).join(
            WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id)).order_by(
            col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc()).limit(limit)
        if endpoint_id is not None:
            statement = statement.where(WebhookDelivery.endpoint_id == _endpoint(session, principal, endpoint_id).id)
        elif not principal.is_admin or org_name:
            statement = statement.where(WebhookEndpoint.org_id == _target_org(session, principal, org_name).id)
        return [delivery_view(delivery, endpoint) for delivery, endpoint in session.exec(statement).all()]


def retry_delivery(registry: Registry, principal: Principal, delivery_id: str) -> dict:
    """Send a failed delivery again, now (with the same message id, so receivers can tell)."""
    with registry.db.writing() as session:
        delivery = session.get(WebhookDelivery, delivery_id) if len(delivery_id) <= 40 else None
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
        if delivery is None or endpoint is None or not _manages(principal, endpoint.org_id):
            raise NotFoundError(f"unknown webhook delivery {delivery_id[:40]!r}")
        if endpoint.deleted_at is not None:
            raise InvalidInputError("the webhook of this delivery was deleted")
        if delivery.status != "failed":
            raise InvalidInputError(f"only a failed delivery is sent again; this one is {delivery.status}")
        delivery.status, delivery.next_attempt_at, delivery.leased_until = "pending", utc_now(), None
        session.add(delivery)
        record_audit(session, principal, "webhook-retry", target=f"webhook-delivery:{delivery.id}")
        return delivery_view(delivery, endpoint)


def _manages(principal: Principal, org_id: str) -> bool:
    return principal.is_admin or (principal.in_org(org_id) and principal.at_least("owner"))


def _target_org(session: Session, principal: Principal, org_name: str | None) -> Organisation:
    if principal.is_admin:
        if not org_name:
            raise InvalidInputError("name the organisation whose webhooks these are (org)")
        return require_org(session, org_name)
    if principal.org_id is None:
        raise ForbiddenError("webhooks belong to an organisation: use a key or a sign-in of one")
    org = session.get(Organisation, principal.org_id)
    assert org is not None
    return org


def _endpoint(session: Session, principal: Principal, endpoint_id: str) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id) if len(endpoint_id) <= 40 else None
    if endpoint is None or endpoint.deleted_at is not None or not _manages(principal, endpoint.org_id):
        raise NotFoundError(f"unknown webhook {endpoint_id[:40]!r}")
    return endpoint


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _view(endpoint: WebhookEndpoint, org_name: str | None) -> dict:
    return {"webhook_id": endpoint.id, "org": org_name, "url": endpoint.url, "events": endpoint.events.split(),
            "description": endpoint.description, "created_at": _iso(endpoint.created_at),
            "created_by": endpoint.created_by, "deleted": endpoint.deleted_at is not None}


def delivery_view(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> dict:
    return {"delivery_id": delivery.id, "webhook_id": endpoint.id, "url": endpoint.url, "event": delivery.event_type,
            "status": delivery.status, "attempts": delivery.attempts, "last_status_code": delivery.last_status_code,
            "last_error": delivery.last_error, "created_at": _iso(delivery.created_at),
            "last_attempt_at": _iso(delivery.last_attempt_at), "delivered_at": _iso(delivery.delivered_at),
            "next_attempt_at": _iso(delivery.next_attempt_at) if delivery.status == "pending" else None}
