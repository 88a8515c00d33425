"""Periodic tasks, defined in code and installed into django-celery-beat's tables.

``python manage.py install_schedules`` (run by ``make run`` and on deploy) creates or updates
each entry and disables any ``clipmaker:`` entry that is no longer listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from clipmaker.queues import CONTROL_QUEUE


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    every_seconds: float
    # Control work never waits behind an upload.
    queue: str = CONTROL_QUEUE
    # A tick not started within this many seconds is dropped by the worker (the next tick
    # does the same work); None: one interval.
    expires: float | None = None

    @property
    def expire_seconds(self) -> int:
        return max(1, round(self.every_seconds if self.expires is None else self.expires))


def periodic_tasks() -> list[Periodic]:
    return [
        # Claims due scheduled/queued rows and sends them to the platform queues.
        Periodic(
            "clipmaker:dispatch",
            "publishing.tasks.dispatch_due_publications",
            settings.DISPATCH_INTERVAL_SECONDS,
        ),
        # Returns publishing rows whose worker died (lease expired) to the retry path.
        Periodic(
            "clipmaker:reap",
            "publishing.tasks.reap_expired_leases",
            settings.PUBLISH_REAP_INTERVAL_SECONDS,
        ),
        # Polls platforms that are still processing an accepted upload.
        Periodic("clipmaker:check-processing", "publishing.tasks.check_processing", 10),
        # Refreshes OAuth tokens ahead of expiry.
        Periodic("clipmaker:refresh-tokens", "platforms.tasks.refresh_expiring_tokens", 300),
        # Warns once per token about pasted tokens that stop working within 24 hours.
        Periodic("clipmaker:warn-expiring-tokens", "notifications.tasks.warn_expiring_tokens", 900),
        # Sends notification e-mails a lost message or a failed send left waiting.
        Periodic(
            "clipmaker:notification-emails",
            "notifications.tasks.send_due_notification_emails",
            60,
        ),
        # Sends the probe again for uploaded clips whose probe message was lost.
        Periodic("clipmaker:resend-probes", "clips.tasks.resend_stale_probes", 60),
        # Removes resumable uploads abandoned for CLIP_UPLOAD_EXPIRE_SECONDS and their bytes.
        Periodic(
            "clipmaker:clean-uploads", "clips.tasks.clean_abandoned_uploads", 3600, expires=3600
        ),
        # Stats of due publications: hourly for 48 hours after publishing, then every 6 hours
        # (STATS_* settings). A run is bounded in time, refuses to overlap another, and sends
        # the next run itself when work is left.
        Periodic(
            "clipmaker:stats",
            "stats.tasks.sync_stats",
            settings.STATS_SYNC_INTERVAL_SECONDS,
            expires=settings.STATS_SYNC_INTERVAL_SECONDS,
        ),
        # Thins the stats history: every point for 48 h, hourly for 30 days, daily after.
        Periodic("clipmaker:stats-retention", "stats.tasks.thin_stats_history", 3600, expires=3600),
    ]
