"""gunicorn settings of the production web process: ``gunicorn -c python:clipmaker.gunicorn_conf
clipmaker.wsgi``. Every value can be changed by the environment named beside it."""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Clip uploads stream through the web process: a slow client may take minutes.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "60"))
# A worker restarted now and then keeps a slow leak from growing (jitter spreads restarts).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))

# JSON error and access logs through clipmaker.logging (redacted like every other line).
logger_class = "clipmaker.gunicorn_logging.StructuredLogger"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
