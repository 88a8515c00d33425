"""State that every process of one deployment shares: a Redis client, or a file lock.

With ``REDIS_URL`` set, counters live in Redis and are changed by atomic scripts. The embedded
default runs on one machine, where an ``flock`` on a file under ``VAR_DIR`` serialises a
read-modify-write of the Django cache across all its processes.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

KEY_PREFIX = "clipmaker:"

_lock = threading.Lock()
_clients: dict[str, Any] = {}


def redis_client() -> Any:
    """One client (and connection pool) per process for ``settings.REDIS_URL``."""
    import redis

    url = settings.REDIS_URL
    with _lock:
        client = _clients.get(url)
        if client is None:
            _clients.clear()
            client = _clients[url] = redis.Redis.from_url(
                url, socket_connect_timeout=settings.BROKER_CONNECT_TIMEOUT, socket_timeout=5
            )
        return client


SERVICE_UNAVAILABLE_MESSAGE = (
    "Сервис временно недоступен: не удалось связаться с очередью задач. "
    "Повторите через минуту — ничего не потеряется."
)
# Seconds a client is told to wait (``Retry-After``) when the shared state is down.
SERVICE_UNAVAILABLE_RETRY_AFTER = 30


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says Redis (cache, throttles, broker) cannot be reached right now."""
    import redis
    from kombu.exceptions import OperationalError

    return isinstance(
        exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError | OperationalError
    )


def redis_key(key: str) -> str:
    """The product's keys share the cache's prefix (tests and operators clean them up by it)."""
    return f"{KEY_PREFIX}{key}"


@contextmanager
def file_lock(key: str, *, timeout: float | None = None) -> Iterator[None]:
    """An exclusive lock named ``key`` held across every process on this machine (the kernel
    releases it if the holder dies). With ``timeout``: ``TimeoutError`` after that many
    seconds of waiting."""
    lock_dir = Path(settings.VAR_DIR) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    safe = key.replace(":", "_").replace("/", "_")
    with open(lock_dir / f"{safe}.lock", "a+b") as fh:
        if timeout is None:
            fcntl.flock(fh, fcntl.LOCK_EX)
        else:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"lock {key} is held elsewhere") from None
                    time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
