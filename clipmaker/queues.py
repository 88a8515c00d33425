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
