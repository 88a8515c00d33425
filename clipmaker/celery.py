"""The Celery app: JSON only, late acks; its queues come from ``clipmaker.queues``."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun
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


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender: Any = None, **kwargs: Any) -> None:
    """Around each task, what Django does around each request: close a connection that
    failed or outlived ``CONN_MAX_AGE`` and keep a healthy one (``CELERY_DB_REUSE_MAX`` stops
    Celery from closing every connection, which cost each task a new PostgreSQL connection).
    A task run eagerly (``apply()``) runs inside its caller's connection: left alone."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
