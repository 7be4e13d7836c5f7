"""Per-credential rate limits on writes and matches, counted by the `limits` library (a moving
window; counters in memory, or in Redis for several processes: `rate_limit_storage`)."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from registry.errors import InvalidInputError, RateLimitedError
from registry.settings import Settings


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage))
        self._limits = {}
        for name, text in (("write", settings.rate_limit_writes), ("match", settings.rate_limit_matches)):
            if text.strip().lower() == "off":
                continue
            try:
                self._limits[name] = parse(text)
            except ValueError as e:
                raise InvalidInputError(f"rate limit {text!r} is not in the limits notation (e.g. '120/minute')") from e

    def hit(self, category: str, caller: str) -> None:
        """Count one request of `caller`; raise RateLimitedError with the seconds to wait when over."""
        limit = self._limits.get(category)
        if limit is None:
            return
        if self._limiter.hit(limit, category, caller):
            return
        reset, _remaining = self._limiter.get_window_stats(limit, category, caller)
        wait = max(1, math.ceil(reset - time.time()))
        raise RateLimitedError(f"too many {category} requests: at most {limit}; retry in {wait} s",
                               retry_after=wait)
