"""One sync run at a time across every worker: a Redis lock, or an flock in embedded mode."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.conf import settings

from clipmaker.shared_state import file_lock, redis_client, redis_key

LOCK_NAME = "stats-sync"


@contextlib.contextmanager
def sync_lock(*, ttl_seconds: float) -> Iterator[bool]:
    """Yields True while this process holds the run lock, False at once when another does.

    The Redis lock expires after ``ttl_seconds`` (longer than a run can last), so a killed
    worker never blocks the sync for good; the kernel drops an flock with its holder.
    """
    if settings.REDIS_URL:
        lock = redis_client().lock(
            redis_key(f"lock:{LOCK_NAME}"), timeout=max(1, round(ttl_seconds)), blocking=False
        )
        if not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            with contextlib.suppress(Exception):  # expired meanwhile: nothing left to release
                lock.release()
        return
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(file_lock(LOCK_NAME, timeout=0))
        except TimeoutError:
            yield False
            return
        yield True
