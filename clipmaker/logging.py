"""Structured logs for web, worker, beat and gunicorn, and the product's named events.

Every record of every library goes through one structlog ``ProcessorFormatter``: the request
or task context is merged in (``request_id``, ``task_id``), then everything is passed through
``clipmaker.redaction`` — message, ``%s`` arguments, fields (nested too), exception text and
traceback — and rendered as one JSON object per line (production) or a readable line
(development). ``LOG_FORMAT`` chooses (``json`` / ``console``).

The product's events are ``log_event("publish_job_start", publication_id=..., ...)``. On their
way to the log they also update the Prometheus metrics (``clipmaker.metrics.events``), so the
engine reports what it does by naming it, nothing more.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import structlog
from structlog.types import EventDict, WrappedLogger

from clipmaker.redaction import REDACTED, redact, redact_fields

__all__ = ["EVENTS_LOGGER", "REDACTED", "log_event", "logging_config", "redact"]

EVENTS_LOGGER = "clipmaker.events"
_metrics_logger = logging.getLogger("clipmaker.metrics")
# Keys the renderer writes itself; an event field of that name is kept under another name.
_RESERVED = frozenset({"event", "level", "logger", "time", "exception", "stack_info"})


def default_log_format() -> str:
    """JSON lines in production, readable lines in development (``LOG_FORMAT`` overrides)."""
    explicit = os.environ.get("LOG_FORMAT", "").strip().lower()
    if explicit in ("json", "console"):
        return explicit
    return "json" if os.environ.get("DJANGO_ENV", "") == "production" else "console"


# --- the product's events ------------------------------------------------------------------


def _update_metrics(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    # Before any level filtering: a counter counts whatever LOG_LEVEL says.
    try:
        from clipmaker.metrics.events import metrics_observe_event

        metrics_observe_event(event=event_dict["event"], fields=event_dict)
    except Exception:
        _metrics_logger.warning("metrics_update_failed", exc_info=True)
    return event_dict


def _to_stdlib_record(
    logger: WrappedLogger, method: str, event_dict: EventDict
) -> tuple[tuple[str], dict[str, Any]]:
    # A plain stdlib record: message = the event name, ``record.fields`` = its fields.
    event = event_dict.pop("event")
    return (event,), {"extra": {"fields": event_dict}}


structlog.configure(
    processors=[_update_metrics, _to_stdlib_record],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)
_events = structlog.get_logger(EVENTS_LOGGER)


def log_event(event: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log one of the product's named events (publish_job_start, ...) with its fields."""
    _events.log(level, event, **fields)


# --- formatting every record ---------------------------------------------------------------


def _record_fields(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    fields = getattr(event_dict.get("_record"), "fields", None)
    if isinstance(fields, dict):
        for key, value in fields.items():
            event_dict[f"field_{key}" if key in _RESERVED else key] = value
    return event_dict


def _redact(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    for key in ("time", "level", "logger"):
        if key in event_dict and not isinstance(event_dict[key], str):
            event_dict[key] = str(event_dict[key])
    cleaned = redact_fields(
        {k: v for k, v in event_dict.items() if k not in ("time", "level", "logger")}
    )
    event_dict.update(cleaned)
    event_dict["event"] = redact(str(event_dict.get("event", "")))
    return event_dict


def formatter(fmt: str = "json") -> structlog.stdlib.ProcessorFormatter:
    """The formatter of every handler (``LOGGING`` and gunicorn use it)."""
    renderer: Any
    if fmt == "console":
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, timestamp_key="time", exception_formatter=structlog.dev.plain_traceback
        )
    else:
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False, default=str)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            _record_fields,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Tracebacks become text here so that the redaction below sees them.
            structlog.processors.format_exc_info,
            _redact,
            renderer,
        ],
    )


def logging_config(*, level: str = "INFO", fmt: str = "json") -> dict[str, Any]:
    """``LOGGING`` for Django, the Celery worker and beat, and gunicorn: one handler."""
    console = {"handlers": ["console"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": "clipmaker.logging.formatter", "fmt": fmt}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own handlers (runserver's access log prints request paths: OAuth codes,
            # Telegram bot paths) are replaced so that every line is redacted.
            "django": {**console, "level": "INFO"},
            "django.server": {**console, "level": "INFO"},
            "django.db.backends": {"level": "WARNING"},
            "gunicorn.error": {**console, "level": level},
            "gunicorn.access": {**console, "level": "INFO"},
            # urllib3 logs full URLs at DEBUG; keep it quiet whatever LOG_LEVEL says.
            "urllib3": {"level": "WARNING"},
        },
    }
