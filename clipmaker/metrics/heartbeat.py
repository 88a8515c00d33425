"""Signs of life of the worker and beat processes, for the "worker or beat absent" alerts.

A daemon thread in the worker's main process stamps the current time on
``clipmaker_worker_heartbeat_timestamp_seconds{queue=...}`` for every queue it consumes; beat
stamps ``clipmaker_beat_heartbeat_timestamp_seconds``. The gauges keep the latest stamp of all
processes (``max``), so the figure stops moving only when every consumer of a queue is gone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

logger = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_SECONDS = 15.0


def _beat_forever(stamp: Callable[[], None], interval: float, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            stamp()
        except Exception:  # a full disk must not kill the process it reports on
            logger.warning("heartbeat_failed", exc_info=True)
        stop.wait(interval)


def _start(name: str, stamp: Callable[[], None], interval: float) -> threading.Event:
    stop = threading.Event()
    threading.Thread(
        target=_beat_forever, args=(stamp, interval, stop), name=name, daemon=True
    ).start()
    return stop


def heartbeat_worker_start(
    queues: Iterable[str], *, interval: float = HEARTBEAT_INTERVAL_SECONDS
) -> threading.Event:
    from clipmaker.metrics import instruments as m

    names = sorted(set(queues))

    def stamp() -> None:
        now = time.time()
        for queue in names:
            m.worker_heartbeat.labels(queue=queue).set(now)

    return _start("metrics-heartbeat-worker", stamp, interval)


def heartbeat_beat_start(*, interval: float = HEARTBEAT_INTERVAL_SECONDS) -> threading.Event:
    from clipmaker.metrics import instruments as m

    return _start("metrics-heartbeat-beat", lambda: m.beat_heartbeat.set(time.time()), interval)
