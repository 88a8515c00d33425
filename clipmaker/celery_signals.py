"""What every Celery process hooks in: logging, request ids, heartbeats.

``clipmaker.celery`` calls ``celery_signals_connect()`` once, when the app is created.
"""

from __future__ import annotations

import logging.config
from typing import Any

from celery import signals

from clipmaker.request_context import connect_celery_signals


def _configure_logging(**_: Any) -> None:
    # Connected, so Celery leaves logging alone: worker and beat log through the same
    # structlog formatter and redaction as the web (LOGGING).
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def _worker_ready(sender: Any = None, **_: Any) -> None:
    from clipmaker.metrics.heartbeat import heartbeat_worker_start

    queues = sender.app.amqp.queues
    heartbeat_worker_start((queues.consume_from or queues).keys())


def _beat_init(**_: Any) -> None:
    from clipmaker.metrics.heartbeat import heartbeat_beat_start

    heartbeat_beat_start()


def celery_signals_connect() -> None:
    signals.setup_logging.connect(_configure_logging, weak=False)
    signals.worker_ready.connect(_worker_ready, weak=False)
    signals.beat_init.connect(_beat_init, weak=False)
    connect_celery_signals()
