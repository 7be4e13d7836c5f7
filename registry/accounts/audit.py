"""The audit log: append-only rows saying who did or read what, and when."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from ..models import AuditEvent
from .principal import Principal


def record_audit(session: Session, principal: Principal, action: str, target: str = "", detail: str = "") -> None:
    """Add an audit row to `session` (it commits with the caller's transaction)."""
    session.add(AuditEvent(actor=principal.describe()[:300], action=action, target=target[:300], detail=detail))


def list_audit(session: Session, *, since: datetime | None = None, limit: int = 1000) -> list[dict]:
    statement = select(AuditEvent).order_by(AuditEvent.id)  # type: ignore[arg-type]
    if since is not None:
        statement = statement.where(AuditEvent.at >= since)
    return [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "target": e.target,
             "detail": e.detail} for e in session.exec(statement.limit(limit)).all()]
