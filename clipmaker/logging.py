"""JSON log lines, the product's named events, and a filter that redacts anything token-like."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

events_logger = logging.getLogger("clipmaker.events")

# Bearer/OAuth/Token headers, access_token=... parameters (query, form or JSON), Telegram bot
# paths and long opaque strings that look like secrets. Provider messages go through the same
# patterns (``platforms.providers.http.scrub``), so there is one list to keep right.
_PATTERNS = [
    re.compile(r"(?i)(bearer|oauth|token)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)((?:access|refresh|id)_token|client_secret|code_verifier|password)"
        r"([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
    ),
    re.compile(r"/bot\d+:[A-Za-z0-9_-]+"),
    re.compile(r"\bsbx-[A-Za-z0-9._-]{10,}"),
    # Bot tokens (digits:secret): whole, even when they end in "-" or "_" or follow a letter.
    re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])"),
]
REDACTED = "[redacted]"


def redact(text: str, marker: str = REDACTED) -> str:
    """``text`` with everything token-shaped replaced by ``marker``."""
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {marker}", text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}{m.group(2)}{marker}", text)
    text = _PATTERNS[2].sub(f"/bot{marker}", text)
    text = _PATTERNS[3].sub(marker, text)
    return _PATTERNS[4].sub(marker, text)


class RedactTokensFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {k: redact(v) if isinstance(v, str) else v for k, v in fields.items()}
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update(fields)
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            payload["exc"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False, default=str)


def log_event(event: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log one of the product's named events (publish_job_start, ...) with its fields."""
    events_logger.log(level, event, extra={"fields": fields})
