"""Exit 0 when celery-beat is alive: the dispatcher entry ran recently."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask


class Command(BaseCommand):
    help = "Health check for the beat process (used by docker-compose)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--max-age", type=int, default=60, help="seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        task = PeriodicTask.objects.filter(name="clipmaker:dispatch").first()
        if task is None or task.last_run_at is None:
            raise CommandError("The dispatcher has never run: is beat started?")
        age = timezone.now() - task.last_run_at
        if age > timedelta(seconds=options["max_age"]):
            raise CommandError(f"The dispatcher last ran {age.total_seconds():.0f} s ago.")
        self.stdout.write("ok")
