"""Project middleware: probes, request ids, secrets a request brings.

``ProbeMiddleware`` answers the health check and the metrics scrape before any other
middleware.

Load balancers, container health checks and Prometheus call a process by its internal address
(``127.0.0.1:8000``, ``web:8000``) and over plain HTTP. Host validation (``ALLOWED_HOSTS``) and
the HTTPS redirect would refuse them with 400 or 301, so these two paths are served first; they
need no session, user or CSRF, and reveal nothing that depends on the Host header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException

from clipmaker import views
from clipmaker.redaction import redact, secrets_register
from clipmaker.request_context import (
    REQUEST_ID_HEADER,
    request_context_bind,
    request_id_new,
    request_id_valid,
)

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


class RequestIdMiddleware:
    """Give every request an id: on each log line, in the ``X-Request-ID`` response header and
    in the tasks the request enqueues.

    An ``X-Request-ID`` sent by the trusted proxy in front (``TRUST_X_REQUEST_ID``, on when
    ``NUM_PROXIES`` says there is one) is kept so that the proxy's and our lines match; a
    client talking to us directly cannot choose the id.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER)
        if settings.TRUST_X_REQUEST_ID and request_id_valid(incoming):
            request_id = str(incoming)
        else:
            request_id = request_id_new()
        request.request_id = request_id  # type: ignore[attr-defined]
        # Left bound after the response: the server's access line, written after the view
        # returned, carries the id too; the next request on this thread binds its own.
        request_context_bind(request_id=request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


# Form and JSON fields whose value is a token the user sends us (connect forms, the API), and
# OAuth callback parameters. (Passwords are not kept: nothing logs them, and a process-long
# copy of every password would be a gift to a memory dump.)
_SECRET_FIELD = re.compile(r"(?i)(token|secret|code_verifier)")
_CALLBACK_PARAMS = ("code", "state")


class RequestSecretsMiddleware:
    """Register the secrets a request brings, before any view can log them.

    Only small urlencoded and JSON bodies are read here; a multipart upload is left alone (the
    upload views refuse an oversized body before reading it).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        secrets_register(request.GET.get(name) for name in _CALLBACK_PARAMS)
        if request.method in ("POST", "PUT", "PATCH"):
            secrets_register(self._body_secrets(request))
        return self.get_response(request)

    def _body_secrets(self, request: HttpRequest) -> list[str]:
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return []
        if size <= 0 or size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return []
        values: list[tuple[str, object]] = []
        try:
            if request.content_type == "application/x-www-form-urlencoded":
                values = [(k, v) for k in request.POST for v in request.POST.getlist(k)]
            elif request.content_type == "application/json":
                body = json.loads(request.body or b"{}")
                if isinstance(body, dict):
                    values = list(body.items())
        except (ValueError, RawPostDataException):
            return []
        return [v for k, v in values if isinstance(v, str) and _SECRET_FIELD.search(k)]


class DebugPageRedactionMiddleware:
    """With ``DEBUG`` on, Django's technical 404 and 500 pages print the request URL (OAuth
    ``code``/``state``, a Telegram bot path) and the exception; every error page passes the
    redaction before it leaves. Off in production, where those pages are never shown."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code >= 400
            and not response.streaming
            and response.get("Content-Type", "").startswith(("text/html", "text/plain"))
        ):
            charset = response.charset or "utf-8"
            response.content = redact(response.content.decode(charset, "replace")).encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response


class ServiceUnavailableMiddleware:
    """A page whose request could not reach Redis (throttle counters, cache, broker) answers
    503 with a Russian message to try again, not a bare 500. The API does the same in its
    exception handler (``publishing.api``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from clipmaker.shared_state import (
            SERVICE_UNAVAILABLE_MESSAGE,
            SERVICE_UNAVAILABLE_RETRY_AFTER,
            is_outage,
        )

        if not is_outage(exception):
            return None
        response = HttpResponse(
            f"<!doctype html><meta charset=utf-8><title>КлипМейкер</title>"
            f"<p>{SERVICE_UNAVAILABLE_MESSAGE}</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
        response["Retry-After"] = str(SERVICE_UNAVAILABLE_RETRY_AFTER)
        return response
