"""Platform rate limits shared by every worker: a token bucket per platform account.

Two layers keep us under the platforms' limits (platform-apis.md):

* Celery ``rate_limit`` annotations on the per-platform publish tasks (``celery_rate_limit``):
  a per-worker ceiling that smooths bursts inside one worker process.
* A global token bucket per (platform, account) that every worker shares (``acquire``): a Lua
  script in Redis when ``REDIS_URL`` is set, otherwise a file-locked bucket kept in the Django
  cache (the embedded default runs on one machine, where ``flock`` is shared by all processes).

Both rates are facts each adapter declares (``worker_rate_limit``, ``account_rate``).

``acquire`` never sleeps: it answers how long to wait, and the engine re-delays the publication
(``queued`` with ``next_attempt_at`` soon) without using up an attempt.
``PLATFORM_RATE_LIMITS_ENABLED=False`` lifts both layers (benchmarks against the sandbox).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from clipmaker.shared_state import file_lock, redis_client, redis_key
from platforms.providers import provider_class
from platforms.providers.types import Rate


def limits_enabled() -> bool:
    return bool(settings.PLATFORM_RATE_LIMITS_ENABLED)


def celery_rate_limit(platform: str) -> str | None:
    """Celery's per-worker ceiling for the platform's publish task (its adapter declares it)."""
    return provider_class(platform).worker_rate_limit if limits_enabled() else None


def bucket_key(*, platform: str, account: str) -> str:
    return f"ratelimit:{platform}:{account}"


def acquire(*, platform: str, account: str) -> float:
    """Take one token from the (platform, account) bucket: 0.0 when taken, else seconds to wait."""
    if not limits_enabled():
        return 0.0
    rate = provider_class(platform).account_rate
    key = bucket_key(platform=platform, account=account)
    if settings.REDIS_URL:
        return _redis_acquire(key, rate)
    return _local_acquire(key, rate)


def reset(*, platform: str, account: str) -> None:
    """Forget a bucket (tests, operations)."""
    key = bucket_key(platform=platform, account=account)
    if settings.REDIS_URL:
        redis_client().delete(redis_key(key))
    else:
        with file_lock(key):
            cache.delete(key)


# --- Redis: one atomic script, the server's clock ------------------------------------------

_BUCKET_SCRIPT = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', key, math.ceil(burst / rate) + 60)
return tostring(wait)
"""


def _redis_acquire(key: str, rate: Rate) -> float:
    script = redis_client().register_script(_BUCKET_SCRIPT)
    wait = script(keys=[redis_key(key)], args=[rate.per_second, rate.burst])
    return float(wait.decode() if isinstance(wait, bytes) else wait)


# --- Embedded: the Django cache under an flock ---------------------------------------------


def _local_acquire(key: str, rate: Rate) -> float:
    with file_lock(key):
        now = time.time()
        state = cache.get(key) or {"tokens": rate.burst, "at": now}
        tokens = min(
            rate.burst,
            float(state["tokens"]) + max(0.0, now - float(state["at"])) * rate.per_second,
        )
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / rate.per_second
        cache.set(
            key, {"tokens": tokens, "at": now}, timeout=int(rate.burst / rate.per_second) + 60
        )
    return wait
