"""The Celery app: JSON only, late acks, one queue per platform, ``control`` and ``default``."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

from clipmaker.celery_signals import celery_signals_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipmaker.settings")

app = Celery("clipmaker")
app.config_from_object("django.conf:settings", namespace="CELERY")

PLATFORM_QUEUES = ("vk", "rutube", "dzen", "telegram")
# ``control``: dispatcher, reaper, processing checks, stats, token refresh, on a worker of
# their own so that uploads never delay them.
CONTROL_QUEUE = "control"
app.conf.task_queues = [
    Queue("default"),
    Queue(CONTROL_QUEUE),
    *(Queue(name) for name in PLATFORM_QUEUES),
]
app.conf.task_default_queue = "default"
app.autodiscover_tasks()
celery_signals_connect()
