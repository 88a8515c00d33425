"""Celery tasks for platform connections: thin callers of platforms.services."""

from __future__ import annotations

from celery import shared_task

from platforms import services


@shared_task(name="platforms.tasks.refresh_expiring_tokens", ignore_result=True)
def refresh_expiring_tokens() -> dict[str, int]:
    """Beat task: refresh OAuth tokens that expire within the next ten minutes."""
    sweep = services.connection_refresh_expiring(within_seconds=services.REFRESH_AHEAD_SECONDS)
    return {
        "refreshed": sweep.refreshed,
        "expired": sweep.expired,
        "failed_transient": sweep.failed_transient,
    }
