"""Webhooks: each organisation's endpoints hear of its works and claims (`EVENTS`), through an
outbox written with the change (`announce`) and a sender that signs (Standard Webhooks) and retries
with backoff (`deliver_due`)."""

from .delivery import MAX_ATTEMPTS, RETRY_DELAYS, deliver_due, run_sender
from .endpoints import (
           create_endpoint,
           delete_endpoint,
           list_deliveries,
           list_endpoints,
           retry_delivery,
)
from .outbox import EVENTS, announce

__all__ = ["EVENTS", "MAX_ATTEMPTS", "RETRY_DELAYS", "announce", "create_endpoint", "delete_endpoint",
           "deliver_due", "list_deliveries", "list_endpoints", "retry_delivery", "run_sender"]
