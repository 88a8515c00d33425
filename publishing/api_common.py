"""What the JSON API's views share: the contract's error shapes (``api_exception_handler``, the
project's ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``), the publish limit, the schema's answers.

Errors follow the contract: ``{"detail": "..."}`` or, for validation, ``{"errors": {...}}``,
in Russian.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiResponse,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clipmaker.shared_state import (
    SERVICE_UNAVAILABLE_MESSAGE,
    SERVICE_UNAVAILABLE_RETRY_AFTER,
    is_outage,
)
from clipmaker.throttling import AtomicScopedRateThrottle, throttle_wait

# --- errors --------------------------------------------------------------------------------


def _flatten(detail: Any) -> list[str]:
    """Every message in a (possibly nested) DRF error detail, as plain strings."""
    if isinstance(detail, dict):
        return [msg for value in detail.values() for msg in _flatten(value)]
    if isinstance(detail, list | tuple):
        return [msg for value in detail for msg in _flatten(value)]
    return [str(detail)]


def validation_errors(detail: Any) -> dict[str, list[str]]:
    """DRF's validation detail as the contract's ``{"<field>": ["..."]}``."""
    if not isinstance(detail, dict):
        return {"non_field_errors": _flatten(detail)}
    return {str(key): _flatten(value) for key, value in detail.items()}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Не найдено. Проверьте идентификатор.")
    if is_outage(exc):
        # Redis is down (the throttle's counter, the cache, the broker): a clear 503 the
        # client can retry, never a bare 500. Nothing was created when the throttle failed.
        response = Response(
            {"detail": SERVICE_UNAVAILABLE_MESSAGE},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(SERVICE_UNAVAILABLE_RETRY_AFTER)},
        )
        return response
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": validation_errors(exc.detail)}
    elif isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait) if exc.wait is not None else None
        text = str(exc.detail) if not isinstance(exc.detail, dict | list) else ""
        if wait is not None:
            text = f"{text} Повторите через {wait} с.".strip()
        response.data = {"detail": text}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response


class ContractErrorsMixin:
    """Use the contract's error shapes in these views whatever the project default is."""

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return api_exception_handler


class PublishThrottle(AtomicScopedRateThrottle):
    """20 publish calls per minute per user (``publish`` rate in REST_FRAMEWORK)."""


PUBLISH_LIMIT_MESSAGE = "Слишком много публикаций: не больше 20 запросов в минуту."


class PublishLimitMixin:
    """Actions with ``throttle_classes=[PublishThrottle]`` spend the user's publish budget."""

    throttle_scope = "publish"

    def throttled(self, request: Request, wait: float | None) -> None:
        raise exceptions.Throttled(wait=wait, detail=PUBLISH_LIMIT_MESSAGE)


def publish_throttle_wait(request: Any) -> float | None:
    """For the pages: count a publish attempt against the same per-user limit as the API."""
    return throttle_wait(request, "publish")


ErrorDetail = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})
ValidationErrors = inline_serializer(
    "ValidationErrors",
    {"errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()))},
)
ConflictErrors = inline_serializer(
    "ConflictErrors",
    {
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)
NOT_FOUND = OpenApiResponse(ErrorDetail, description="Нет такого объекта у вызывающего")
