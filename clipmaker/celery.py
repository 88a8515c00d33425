"""The Celery app: JSON only, late acks; its queues come from ``clipmaker.queues``."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

from clipmaker.celery_signals import celery_signals_connect
from clipmaker.queues import worker_queues

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipmaker.settings")

app = Celery("clipmaker")
app.config_from_object("django.conf:settings", namespace="CELERY")


app.conf.task_queues = [Queue(name) for name in worker_queues()]
app.conf.task_default_queue = "default"
app.autodiscover_tasks()
celery_signals_connect()
