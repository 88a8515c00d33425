"""Answers the health check and the metrics scrape before any other middleware.

Load balancers, container health checks and Prometheus call a process by its internal address
(``127.0.0.1:8000``, ``web:8000``) and over plain HTTP. Host validation (``ALLOWED_HOSTS``) and
the HTTPS redirect would refuse them with 400 or 301, so these two paths are served first; they
need no session, user or CSRF, and reveal nothing that depends on the Host header.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from clipmaker import views

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": views.healthz,
    "/metrics": views.metrics,
}


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
