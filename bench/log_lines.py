"""Logging benchmark: what one log line costs with the redaction, against the same formatter
without it (the floor), for 0, 2,000 and 20,000 registered secrets.

A worker that has opened many tokens must not log slower for it: the registered secrets are
looked up by prefix, so the cost of a line should not grow with their number. Each case formats
the same ``publish_job_success`` record (ten fields, a URL) and a 40-line traceback, 2,000 times,
best of three. The last line printed is one JSON object with the figures (microseconds).

    .venv/bin/python bench/log_lines.py
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipmaker.settings")

import django

django.setup()

import structlog  # noqa: E402

from clipmaker import redaction  # noqa: E402
from clipmaker.logging import formatter  # noqa: E402

ROUNDS, LINES = 3, 2000


def _event_record() -> logging.LogRecord:
    record = logging.LogRecord("clipmaker.events", logging.INFO, __file__, 1, "x", (), None)
    record.msg = "publish_job_success"
    record.fields = {  # type: ignore[attr-defined]
        "publication_id": 81234,
        "platform": "vk",
        "attempt": 1,
        "clip_id": 5521,
        "user_id": 312,
        "duration_ms": 48211,
        "latency_seconds": 52.4,
        "url": "https://vk.com/clip-212345678_456239017",
        "request_id": "6880546080dc420299161e7620a5baae",
        "task": "publishing.tasks.publish_vk",
    }
    return record


def _deep(depth: int) -> None:
    if depth == 0:
        raise RuntimeError("platform answered 502 after 31.2 s; body: <html>Bad gateway</html>")
    _deep(depth - 1)


def _traceback_record() -> logging.LogRecord:
    try:
        _deep(40)
    except RuntimeError:
        exc_info = sys.exc_info()
    return logging.LogRecord(
        "publishing.services", logging.ERROR, __file__, 1, "publish attempt crashed", (), exc_info
    )


def _floor_formatter() -> logging.Formatter:
    """The product's formatter with the redaction step taken out."""
    full = formatter("json")
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=full.foreign_pre_chain,
        processors=[p for p in full.processors if getattr(p, "__name__", "") != "_redact"],
    )


def _per_line(fmt: logging.Formatter, record: logging.LogRecord) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(LINES):
            fmt.format(record)
        best = min(best, (time.perf_counter() - started) / LINES)
    return round(best * 1e6, 1)


def main() -> None:
    floor = _floor_formatter()
    product = formatter("json")
    figures: dict[str, object] = {
        "floor_event_us": _per_line(floor, _event_record()),
        "floor_traceback_us": _per_line(floor, _traceback_record()),
    }
    for count in (0, 2000, 20000):
        redaction.secrets_forget_all()
        for _ in range(count // 4):  # each secret registers up to four spellings
            redaction.secret_register(secrets.token_urlsafe(30))
        figures[f"event_us_{count}_secrets"] = _per_line(product, _event_record())
        figures[f"traceback_us_{count}_secrets"] = _per_line(product, _traceback_record())
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
