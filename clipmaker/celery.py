"""The Celery app: JSON only, late acks; queues derived from the provider registry.

Queues: ``default``, ``control`` (dispatcher, reaper, processing checks, stats, token refresh:
work that must never wait behind an upload) and one per platform (its publish task).
"""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipmaker.settings")

app = Celery("clipmaker")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _queues() -> list[Queue]:
    from publishing.queue import worker_queues

    return [Queue(name) for name in worker_queues()]


app.conf.task_queues = _queues()
app.conf.task_default_queue = "default"
app.autodiscover_tasks()
