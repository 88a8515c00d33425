"""Request ids: one per web request, on every log line, carried into the tasks it enqueues.

The web binds ``request_id`` in structlog's context (``RequestIdMiddleware``); every log line
of that request carries it. A task sent while it is bound gets it as a message header
(``before_task_publish``), and the worker binds it again around the task (``task_prerun``),
with the task's id and name, so one id follows a click from the page to the platform call.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import structlog
from celery import signals

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# What an id from a proxy may look like (nginx's $request_id, a UUID, a trace id ...).
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_valid(value: str | None) -> bool:
    return bool(value) and bool(_VALID_REQUEST_ID.match(value or ""))


def request_id_current() -> str | None:
    return structlog.contextvars.get_contextvars().get("request_id")


def request_context_bind(**values: Any) -> None:
    """Start a fresh context (a reused thread must not keep the last request's id)."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**values)


def request_context_clear() -> None:
    structlog.contextvars.clear_contextvars()


# --- Celery: the id travels in a message header ---------------------------------------------


def _before_task_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = request_id_current()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


def _task_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    values: dict[str, Any] = {"task_id": task_id}
    if task is not None:
        values["task"] = task.name
        request_id = getattr(task.request, TASK_HEADER, None)
        if request_id_valid(request_id):
            values["request_id"] = request_id
    request_context_bind(**values)


def _task_postrun(**_: Any) -> None:
    request_context_clear()


def connect_celery_signals() -> None:
    """Hook the request id into every task this process sends or runs."""
    signals.before_task_publish.connect(_before_task_publish, weak=False)
    signals.task_prerun.connect(_task_prerun, weak=False)
    signals.task_postrun.connect(_task_postrun, weak=False)


def log_context_bind(**values: Any) -> None:
    """Add fields to every line logged from here on in this request or task (e.g. the
    publication, clip and user of an attempt); cleared when the task or request ends."""
    structlog.contextvars.bind_contextvars(**values)
