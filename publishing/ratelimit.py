"""Platform rate limits shared by every worker: a token bucket per platform account.

Two layers keep us under the platforms' limits (platform-apis.md):

* Celery ``rate_limit`` annotations on the per-platform publish tasks (``celery_rate_limit``):
  a per-worker ceiling that smooths bursts inside one worker process.
* A global token bucket per (platform, account) that every worker shares (``acquire``): a Lua
  script in Redis when ``REDIS_URL`` is set, otherwise a file-locked bucket kept in the Django
  cache (the embedded default runs on one machine, where ``flock`` is shared by all processes).
  The account is the credential (a connection): a bot posting to five channels shares one
  bucket. Where a platform also limits each place (Telegram: about a message a second per
  chat), a second bucket per destination is taken in the same atomic step.

The rates are facts each adapter declares (``worker_rate_limit``, ``account_rate``,
``destination_rate``).

``acquire`` never sleeps: it answers how long to wait, and the engine re-delays the publication
(``queued`` with ``next_attempt_at`` soon) without using up an attempt.
``PLATFORM_RATE_LIMITS_ENABLED=False`` lifts both layers (benchmarks against the sandbox).
"""

from __future__ import annotations

import contextlib
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


def destination_bucket_key(*, platform: str, destination: str) -> str:
    return f"ratelimit:{platform}:place:{destination}"


def _buckets(*, platform: str, account: str, destination: str | None) -> list[tuple[str, Rate]]:
    cls = provider_class(platform)
    buckets = [(bucket_key(platform=platform, account=account), cls.account_rate)]
    if destination is not None and cls.destination_rate is not None:
        key = destination_bucket_key(platform=platform, destination=destination)
        buckets.append((key, cls.destination_rate))
    return buckets


def acquire(*, platform: str, account: str, destination: str | None = None) -> float:
    """Take one token from the credential's (platform, account) bucket — and from the place's
    bucket when the platform limits each place too (``destination_rate``) — atomically: either
    every bucket gives one, or none is touched. 0.0 when taken, else seconds to wait."""
    if not limits_enabled():
        return 0.0
    buckets = _buckets(platform=platform, account=account, destination=destination)
    if settings.REDIS_URL:
        return _redis_acquire(buckets)
    return _local_acquire(buckets)


def reset(*, platform: str, account: str, destination: str | None = None) -> None:
    """Forget a credential's bucket, and the place's with ``destination`` (tests, operations)."""
    for key, _rate in _buckets(platform=platform, account=account, destination=destination):
        if settings.REDIS_URL:
            redis_client().delete(redis_key(key))
        else:
            with file_lock(key):
                cache.delete(key)


# --- Redis: one atomic script, the server's clock ------------------------------------------

_BUCKET_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local tokens = {}
local wait = 0
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local left = tonumber(state[1])
  local at = tonumber(state[2])
  if left == nil then
    left = burst
    at = now
  end
  left = math.min(burst, left + math.max(0, now - at) * rate)
  if left < 1 then
    wait = math.max(wait, (1 - left) / rate)
  end
  tokens[i] = left
end
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local left = tokens[i]
  if wait == 0 then
    left = left - 1
  end
  redis.call('HSET', key, 'tokens', tostring(left), 'at', tostring(now))
  redis.call('EXPIRE', key, math.ceil(burst / rate) + 60)
end
return tostring(wait)
"""


def _redis_acquire(buckets: list[tuple[str, Rate]]) -> float:
    script = redis_client().register_script(_BUCKET_SCRIPT)
    args: list[float] = []
    for _key, rate in buckets:
        args += [rate.per_second, rate.burst]
    wait = script(keys=[redis_key(key) for key, _rate in buckets], args=args)
    return float(wait.decode() if isinstance(wait, bytes) else wait)


# --- Embedded: the Django cache under flocks ---------------------------------------------


def _local_acquire(buckets: list[tuple[str, Rate]]) -> float:
    # Locks taken in one order everywhere, so two workers never wait on each other.
    with contextlib.ExitStack() as locks:
        for key in sorted(key for key, _rate in buckets):
            locks.enter_context(file_lock(key))
        now = time.time()
        levels = []
        for key, rate in buckets:
            state = cache.get(key) or {"tokens": rate.burst, "at": now}
            levels.append(
                min(
                    rate.burst,
                    float(state["tokens"]) + max(0.0, now - float(state["at"])) * rate.per_second,
                )
            )
        wait = max(
            [
                (1 - tokens) / rate.per_second
                for tokens, (_k, rate) in zip(levels, buckets, strict=True)
                if tokens < 1
            ],
            default=0.0,
        )
        for tokens, (key, rate) in zip(levels, buckets, strict=True):
            left = tokens - 1 if wait == 0 else tokens
            cache.set(
                key, {"tokens": left, "at": now}, timeout=int(rate.burst / rate.per_second) + 60
            )
    return wait
