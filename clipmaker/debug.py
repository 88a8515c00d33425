"""Error reports (the development debug page, error mails) that never carry a token.

Django's own filter hides only what ``sensitive_variables``/``sensitive_post_parameters`` name,
and only when ``DEBUG`` is off. Development runs with ``DEBUG`` on, and a pasted token travels
through many frames under many names (form data, serializers, service arguments). This filter
is always on. It hides every value whose name or dictionary key looks secret (token, key,
secret, password, ...); it takes the secret-named fields of the request (form or JSON body) and
removes their values from whatever a frame holds, whatever the variable is called; and it
removes anything token-shaped from strings (the log redaction's patterns).

The filter sees frame variables and POST data, but not everything the page prints: the
exception's message, the request URL and query string (an OAuth callback's ``code`` and
``state``, a Telegram bot path), cookies. ``TokenSafeExceptionReporter`` therefore also passes
the finished page and the plain-text report through ``clipmaker.redaction.redact``, which
knows every secret in use in the process as well as the token shapes.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.http.request import RawPostDataException
from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from clipmaker.redaction import redact


class TokenSafeExceptionReporter(ExceptionReporter):
    """The development error page and error mails, redacted as a whole after rendering."""

    def get_traceback_html(self) -> SafeString:
        return mark_safe(redact(str(super().get_traceback_html())))  # noqa: S308 - Django's page

    def get_traceback_text(self) -> SafeString:
        return mark_safe(redact(str(super().get_traceback_text())))  # noqa: S308 - plain text


class TokenSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        params = super().get_post_parameters(request)
        if request is None:
            return params
        cleansed = params.copy()
        for key in cleansed:
            if self.hidden_settings.search(key):
                cleansed[key] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        secrets = self._request_secrets(request)
        return [
            (name, self._cleanse(name, value, secrets))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    def _cleanse(self, name: str, value: Any, secrets: list[str]) -> Any:
        value = self.cleanse_setting(name, value)
        if isinstance(value, str):
            return redact(self._without(value, secrets))
        if secrets:
            try:
                shown = repr(value)
            except Exception:  # a broken __repr__ must not break the error page
                return value
            if any(secret in shown for secret in secrets):
                return self._without(shown, secrets)
        return value

    def _without(self, text: str, secrets: list[str]) -> str:
        for secret in secrets:
            text = text.replace(secret, self.cleansed_substitute)
        return text

    def _request_secrets(self, request: HttpRequest | None) -> list[str]:
        """Values of the request's secret-named fields, from a form or a JSON body."""
        if request is None:
            return []
        fields: list[tuple[str, Any]] = [
            (key, value) for key in request.POST for value in request.POST.getlist(key)
        ]
        if request.content_type == "application/json":
            try:
                body = json.loads(request.body or b"{}")
            except (RawPostDataException, ValueError):
                body = None
            if isinstance(body, dict):
                fields.extend(body.items())
        return [
            value
            for key, value in fields
            if isinstance(value, str) and len(value) >= 4 and self.hidden_settings.search(key)
        ]
