"""Serve this host's /metrics (and /healthz) on a host that runs no web process.

Counters live in the host's PROMETHEUS_MULTIPROC_DIR; a worker-only host needs something to
expose them. This answers the two probe paths through the same views as the web (the
METRICS_TOKEN guard included) and 404 to everything else. See docs/scaling.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand

PROBE_PATHS = frozenset({"/metrics", "/healthz"})
logger = logging.getLogger("clipmaker.serve_metrics")


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.info(format, *args)


class Command(BaseCommand):
    help = "Serve this host's /metrics and /healthz (for worker-only hosts)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="0.0.0.0", help="address to listen on")  # noqa: S104
        parser.add_argument("--port", type=int, default=9808)

    def handle(self, *args: Any, **options: Any) -> None:
        django_app = WSGIHandler()

        def probes_only(
            environ: dict[str, Any], start_response: Callable[..., Any]
        ) -> Iterable[bytes]:
            if environ.get("PATH_INFO") in PROBE_PATHS:
                return django_app(environ, start_response)
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Only /metrics and /healthz are served here.\n"]

        with make_server(
            options["bind"], options["port"], probes_only, handler_class=_Handler
        ) as server:
            self.stdout.write(f"Serving /metrics on {options['bind']}:{options['port']}")
            self.stdout.flush()
            server.serve_forever()
