"""The Celery app: JSON only, late acks, one queue per platform plus ``default``."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipmaker.settings")

app = Celery("clipmaker")
app.config_from_object("django.conf:settings", namespace="CELERY")

PLATFORM_QUEUES = ("vk", "rutube", "dzen", "telegram")
app.conf.task_queues = [Queue("default"), *(Queue(name) for name in PLATFORM_QUEUES)]
app.conf.task_default_queue = "default"
app.autodiscover_tasks()
