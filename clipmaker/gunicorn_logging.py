"""gunicorn's error and access logs in the product's structured format.

gunicorn sets up its own plain-text handlers; this logger class sends ``gunicorn.error`` and
``gunicorn.access`` through the same configuration as Django (``clipmaker.logging``), so its
lines are JSON in production and pass the same redaction. Each request becomes one
``http_request`` line with the method, the path (query string redacted: OAuth ``code`` and
``state``), status, size, duration and the request id the response carried.
"""

from __future__ import annotations

import logging
import logging.config
import os
from typing import Any

from gunicorn.glogging import Logger

from clipmaker.logging import default_log_format, logging_config


class StructuredLogger(Logger):
    def setup(self, cfg: Any) -> None:
        self.cfg = cfg
        self._access_log_enabled = cfg.accesslog is not None
        level = os.environ.get("LOG_LEVEL", "INFO").upper()
        logging.config.dictConfig(logging_config(level=level, fmt=default_log_format()))
        self.error_log = logging.getLogger("gunicorn.error")
        self.access_log = logging.getLogger("gunicorn.access")
        self.loglevel = self.LOG_LEVELS.get(cfg.loglevel.lower(), logging.INFO)
        self.error_log.setLevel(self.loglevel)
        self.access_log.setLevel(logging.INFO)

    @property
    def access_log_enabled(self) -> bool:
        return self._access_log_enabled

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = {str(k).lower(): v for k, v in (resp.headers or [])}
        fields = {
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("RAW_URI") or environ.get("PATH_INFO"),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
        }
        request_id = headers.get("x-request-id")
        if request_id:
            fields["request_id"] = request_id
        try:
            self.access_log.info("http_request", extra={"fields": fields})
        except Exception:
            self.error_log.exception("access_log_failed")

    def reopen_files(self) -> None:
        # Logs go to stdout/stderr only; nothing to reopen.
        return None

    def close_on_exec(self) -> None:
        return None
