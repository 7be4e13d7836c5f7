"""Standard Webhooks signatures (https://www.standardwebhooks.com): the sender signs
``"{id}.{timestamp}.{body}"`` with HMAC-SHA256 under the endpoint's secret and sends the message id,
the Unix timestamp and ``v1,<base64 signature>`` in the `webhook-id`, `webhook-timestamp` and
`webhook-signature` headers. A receiver recomputes the signature, compares it in constant time and
refuses a timestamp more than a few minutes away from its clock (replays). Pure: no I/O.

>>> secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
>>> headers = signed_headers(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
>>> headers["webhook-signature"]
'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
>>> verify(secret, headers, b'{"test": 2432232314}', now=1614265330)
True
>>> verify(secret, headers, b'{"test": 2432232315}', now=1614265330)
False
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


def new_secret() -> str:
    """A fresh endpoint secret: `whsec_` and 24 random bytes in base64 (192 bits)."""
    return PREFIX + base64.b64encode(os.urandom(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX), validate=True)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the secret's key bytes."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, message_id, timestamp, body)}


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: int,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether one of the space-separated `v1,` signatures matches and the timestamp is fresh."""
    try:
        message_id, timestamp = headers["webhook-id"], int(headers["webhook-timestamp"])
        offered = headers["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)
