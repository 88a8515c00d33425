"""Periodic tasks in code: install_schedules writes them with an expiry, so a tick that waited
too long is dropped instead of piling up behind the next one."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db


def test_every_entry_expires_and_stats_follow_their_settings(settings):
    settings.STATS_SYNC_INTERVAL_SECONDS = 45

    call_command("install_schedules")

    tasks = {t.name: t for t in PeriodicTask.objects.filter(name__startswith="clipmaker:")}
    assert all(t.expire_seconds for t in tasks.values())
    stats = tasks["clipmaker:stats"]
    assert (stats.task, stats.interval.every, stats.expire_seconds) == (
        "stats.tasks.sync_stats",
        45,
        45,
    )
    retention = tasks["clipmaker:stats-retention"]
    assert (retention.task, retention.interval.every) == ("stats.tasks.thin_stats_history", 3600)


def test_reaper_runs_at_its_setting(settings):
    settings.PUBLISH_REAP_INTERVAL_SECONDS = 3

    call_command("install_schedules")

    reap = PeriodicTask.objects.get(name="clipmaker:reap")
    assert (reap.task, reap.interval.every, reap.queue) == (
        "publishing.tasks.reap_expired_leases",
        3,
        "control",
    )
