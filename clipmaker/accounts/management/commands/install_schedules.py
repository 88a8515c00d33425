"""Install the periodic tasks defined in clipmaker/schedules.py into the beat database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from clipmaker.schedules import periodic_tasks


class Command(BaseCommand):
    help = "Creates or updates the periodic tasks (celery-beat) defined in code."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        wanted = periodic_tasks()
        for item in wanted:
            # Intervals below one second are not useful for beat; round up.
            seconds = max(1, round(item.every_seconds))
            schedule, _ = IntervalSchedule.objects.get_or_create(
                every=seconds, period=IntervalSchedule.SECONDS
            )
            PeriodicTask.objects.update_or_create(
                name=item.name,
                defaults={
                    "task": item.task,
                    "interval": schedule,
                    "enabled": True,
                    "queue": item.queue,
                    "expire_seconds": item.expire_seconds,
                    "crontab": None,
                    "solar": None,
                    "clocked": None,
                    "one_off": False,
                },
            )
        stale = PeriodicTask.objects.filter(name__startswith="clipmaker:").exclude(
            name__in=[item.name for item in wanted]
        )
        disabled = stale.update(enabled=False)
        self.stdout.write(f"Installed {len(wanted)} periodic task(s); disabled {disabled} stale.")
