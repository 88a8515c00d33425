"""Celery tasks of the stats sync: thin callers of ``stats.services`` (names are stable)."""

from __future__ import annotations

from celery import shared_task

from clipmaker.queues import CONTROL_QUEUE
from stats.services import stats_history_thin, stats_sync


@shared_task(name="stats.tasks.sync_stats", ignore_result=True)
def sync_stats() -> None:
    """One bounded sync run; when due rows were left, the next run is sent at once."""
    if stats_sync().more:
        sync_stats.apply_async(queue=CONTROL_QUEUE)


@shared_task(name="stats.tasks.thin_stats_history", ignore_result=True)
def thin_stats_history() -> None:
    """Retention: every point for 48 hours, hourly for 30 days, daily after."""
    if stats_history_thin().more:
        thin_stats_history.apply_async(queue=CONTROL_QUEUE)
