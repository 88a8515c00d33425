"""Per-user request limits (publish 20/min, connection checks, logins), checked and counted in one step.

DRF's ``ScopedRateThrottle`` reads a request history from the cache and writes it back: two
requests at the same moment both read 19 and both pass the limit of 20. ``AtomicScopedRateThrottle``
keeps its rates (``DEFAULT_THROTTLE_RATES``), scopes, cache keys and sliding window, but makes the
check and the record one atomic step across every process: a Lua script over a sorted set in
Redis, or the history under an ``flock`` in the embedded default (one machine).
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import ScopedRateThrottle

from clipmaker.shared_state import file_lock, redis_client, redis_key

# Drop what left the window, count, and record this request only when under the limit.
# Answers "0" when recorded, else the seconds until the oldest request leaves the window.
_SLIDING_WINDOW_SCRIPT = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('EXPIRE', key, math.ceil(window))
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(math.max(0.001, tonumber(oldest[2]) + window - now))
"""


def hit(key: str, *, limit: int, window: float) -> float:
    """Record one request under ``key`` if fewer than ``limit`` happened in the last ``window``
    seconds: 0.0 when recorded, else the seconds to wait."""
    if settings.REDIS_URL:
        script = redis_client().register_script(_SLIDING_WINDOW_SCRIPT)
        wait = script(keys=[redis_key(key)], args=[limit, window, uuid.uuid4().hex])
        return float(wait.decode() if isinstance(wait, bytes) else wait)
    with file_lock(key):
        now = time.time()
        history = [t for t in cache.get(key, []) if t > now - window]
        if len(history) >= limit:
            return max(0.001, min(history) + window - now)
        history.append(now)
        cache.set(key, history, timeout=int(window) + 1)
        return 0.0


class AtomicScopedRateThrottle(ScopedRateThrottle):
    """``ScopedRateThrottle`` whose check-and-record cannot be raced by concurrent requests."""

    _wait: float | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.num_requests is None or self.duration is None:  # no rate for this scope
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self._wait = hit(self.key, limit=self.num_requests, window=self.duration)
        return self._wait == 0.0

    def wait(self) -> float | None:
        return self._wait or None


class _Scope:
    def __init__(self, scope: str) -> None:
        self.throttle_scope = scope


def throttle_wait(request: Any, scope: str) -> float | None:
    """For pages (plain Django views): count one request against ``scope``, the budget the API
    shares. None when allowed, else the seconds to wait."""
    throttle = AtomicScopedRateThrottle()
    if throttle.allow_request(request, _Scope(scope)):
        return None
    return throttle.wait() or 1.0


def wait_label(wait: float) -> str:
    """«через 40 с» / «через 3 мин» for a message that says when to try again."""
    if wait < 60:
        return f"через {max(1, math.ceil(wait))} с"
    return f"через {math.ceil(wait / 60)} мин"
