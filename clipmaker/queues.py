"""The Celery queues, derived from the provider registry.

``default``; ``control`` for the dispatcher, the reaper, processing checks, stats and token
refresh — work that must never wait behind an upload; and one queue per platform for its
publish task.
"""

from __future__ import annotations

from platforms.providers import platform_values

CONTROL_QUEUE = "control"
DEFAULT_QUEUE = "default"


def publish_queue(platform: str) -> str:
    return str(platform)


def worker_queues() -> list[str]:
    """Every queue a worker that does all the work consumes (``make run``, tests)."""
    return [DEFAULT_QUEUE, CONTROL_QUEUE, *(publish_queue(p) for p in platform_values())]


def upload_queues() -> list[str]:
    """What the upload worker consumes: every queue but ``control`` (which has its own worker,
    so that no upload ever delays the dispatcher or the reaper)."""
    return [q for q in worker_queues() if q != CONTROL_QUEUE]


# Slots of the control worker: a stats run (bounded by STATS_SYNC_RUN_SECONDS) may hold one;
# the dispatcher, the reaper and the checks always find the other free.
CONTROL_CONCURRENCY = 2
