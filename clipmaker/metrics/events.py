"""Metrics derived from the product's named log events.

``log_event`` passes every event here before it is logged (``clipmaker.logging``), in whatever
process it happens: the worker's publishes and refreshes, beat-driven sweeps, the web's
cancels. The publication outcomes come from ``publishing.transitions``, the only writer of a
publication's status, whose every edge emits its event (the reaper's and a disconnect's too). So the engine reports what it did by naming it, and nothing in it knows about
Prometheus. The table below is the whole contract; an event it does not name changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from clipmaker.metrics import instruments as m

# publish_job_retry reasons that are a rate limit, and whose limit it was.
RATE_LIMIT_SOURCES = {
    "rate_limited": "platform",
    "rate_limited_check": "platform",
    "rate_limit_local": "local",
}


def _platform(fields: Mapping[str, Any]) -> str:
    return str(fields.get("platform") or "unknown")


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _publish_job_start(fields: Mapping[str, Any]) -> None:
    m.publish_attempts.labels(platform=_platform(fields)).inc()


def _publish_job_success(fields: Mapping[str, Any]) -> None:
    platform = _platform(fields)
    m.publications.labels(platform=platform, outcome="published").inc()
    latency = _number(fields.get("latency_seconds"))
    if latency is not None:
        m.publish_latency.labels(platform=platform).observe(latency)


def _publish_job_failed(fields: Mapping[str, Any]) -> None:
    m.publications.labels(platform=_platform(fields), outcome="failed").inc()


def _publish_job_cancelled(fields: Mapping[str, Any]) -> None:
    # One event may end many rows at once (a disconnect cancels a user's waiting ones).
    rows = _number(fields.get("rows"))
    m.publications.labels(platform=_platform(fields), outcome="cancelled").inc(
        1 if rows is None else rows
    )


def _publish_job_retry(fields: Mapping[str, Any]) -> None:
    platform = _platform(fields)
    reason = str(fields.get("reason") or "unknown")
    m.publish_retries.labels(platform=platform, reason=reason).inc()
    source = RATE_LIMIT_SOURCES.get(reason)
    if source is not None:
        m.rate_limit_waits.labels(platform=platform, source=source).inc()
        delay = _number(fields.get("delay_seconds"))
        if delay:
            m.rate_limit_wait_seconds.labels(platform=platform, source=source).inc(delay)


def _token_refresh(outcome: str) -> Callable[[Mapping[str, Any]], None]:
    def observe(fields: Mapping[str, Any]) -> None:
        m.token_refreshes.labels(platform=_platform(fields), outcome=outcome).inc()

    return observe


def _connection_change(change: str) -> Callable[[Mapping[str, Any]], None]:
    def observe(fields: Mapping[str, Any]) -> None:
        m.connection_changes.labels(platform=_platform(fields), change=change).inc()

    return observe


def _stats_sync_complete(fields: Mapping[str, Any]) -> None:
    m.stats_sync_runs.inc()
    m.stats_sync_rows.inc(_number(fields.get("updated")) or 0)
    m.stats_sync_publications.inc(_number(fields.get("publications")) or 0)
    calls = _number(fields.get("http_calls"))
    if calls is not None:
        m.stats_sync_http_calls.inc(calls)
    m.stats_sync_last_success.set(time.time())


def _stats_sync_failed(fields: Mapping[str, Any]) -> None:
    m.stats_sync_failures.labels(platform=_platform(fields)).inc()


OBSERVERS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "publish_job_start": _publish_job_start,
    "publish_job_success": _publish_job_success,
    "publish_job_failed": _publish_job_failed,
    "publish_job_cancelled": _publish_job_cancelled,
    "publish_job_retry": _publish_job_retry,
    "token_refresh_success": _token_refresh("success"),
    "token_refresh_failed": _token_refresh("failed"),
    "platform_connected": _connection_change("connected"),
    "platform_disconnected": _connection_change("disconnected"),
    "stats_sync_complete": _stats_sync_complete,
    "stats_sync_failed": _stats_sync_failed,
}


def metrics_observe_event(*, event: str, fields: Mapping[str, Any]) -> None:
    """Update the metrics one named event stands for (nothing for other events)."""
    observer = OBSERVERS.get(event)
    if observer is not None:
        observer(fields)
