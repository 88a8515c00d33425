"""Friendly Russian error pages for people, also while ``DEBUG`` is on.

With ``DEBUG`` off Django renders ``404.html``, ``403.html`` and ``500.html`` itself. With it on
(``make run``, every development machine) it shows its English technical pages to anyone: a
user trying the product meets «Page not found (404)» with the URL patterns listed. This
middleware renders our pages instead for a page a user reaches, and keeps Django's debug pages
where a developer wants them: under ``/admin/``, for staff users, for the API, the sandbox and
htmx partials, and whenever the request asks with ``?debug=1``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

logger = logging.getLogger("django.request")

# Where Django's technical pages stay: the admin, machine-facing paths, files.
TECHNICAL_PREFIXES = (
    "/admin/",
    "/api/",
    "/sandbox/",
    "/static/",
    "/media/",
    "/metrics",
    "/healthz",
)
DEBUG_PARAM = "debug"


def friendly_errors_wanted(request: HttpRequest) -> bool:
    """Whether an error on this request gets our page rather than Django's debug page."""
    if not settings.DEBUG:
        return False  # Django renders our templates itself
    if request.path.startswith(TECHNICAL_PREFIXES) or DEBUG_PARAM in request.GET:
        return False
    if request.headers.get("HX-Request"):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated and user.is_staff)


def page_not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context and no base template: whatever failed must not fail the error page too.
    return HttpResponse(render_to_string("500.html"), status=500)


class FriendlyErrorPagesMiddleware:
    """Our 404/403/500 pages for people while ``DEBUG`` is on (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if friendly_errors_wanted(request):
            # An address no view serves never reaches process_exception: check it first.
            try:
                resolve(request.path_info)
            except Resolver404:
                if not request.path_info.endswith("/") and settings.APPEND_SLASH:
                    try:
                        resolve(request.path_info + "/")
                    except Resolver404:
                        return page_not_found(request)
                    return self.get_response(request)  # CommonMiddleware redirects
                return page_not_found(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not friendly_errors_wanted(request):
            return None
        if isinstance(exception, Http404):
            return page_not_found(request)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return server_error(request)
