"""Project-level views: home, health, metrics, API token."""

from __future__ import annotations

import hmac
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled

from clipmaker.throttling import AtomicScopedRateThrottle, throttle_wait, wait_label


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("/clips/")
    return redirect_to_login("/clips/")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_broker() -> None:
    from clipmaker.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        if settings.REDIS_URL:
            conn.default_channel.client.ping()


def _check_cache() -> None:
    key = "healthz:probe"
    value = str(time.time())
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return the value just written")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    parts: dict[str, str] = {}
    for name, check in (
        ("database", _check_database),
        ("broker", _check_broker),
        ("cache", _check_cache),
    ):
        try:
            check()
            parts[name] = "ok"
        except Exception as exc:  # any failure means this part is down
            parts[name] = f"error: {type(exc).__name__}"
    healthy = all(state == "ok" for state in parts.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **parts}, status=200 if healthy else 503
    )


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    from clipmaker.metrics import instruments  # noqa: F401 - every series exists from the start
    from clipmaker.metrics.collectors import BrokerCollector, DatabaseCollector
    from clipmaker.metrics.multiproc import scrape_registry

    if settings.METRICS_TOKEN:
        sent = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(sent, f"Bearer {settings.METRICS_TOKEN}".encode()):
            return HttpResponse(
                "Нужен заголовок Authorization: Bearer <METRICS_TOKEN>.\n",
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
                content_type="text/plain; charset=utf-8",
            )
    elif settings.PRODUCTION:
        return HttpResponse(
            "Метрики закрыты: задайте METRICS_TOKEN и передавайте его как Bearer-токен.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )

    # What every process of this host counted (multiprocess files), plus the broker's and the
    # database's state read now.
    registry = scrape_registry()
    registry.register(BrokerCollector())
    registry.register(DatabaseCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


LOGIN_SCOPE = "login"


def login_throttled_message(wait: float) -> str:
    return f"Слишком много попыток входа с этого адреса. Попробуйте {wait_label(wait)}."


class LoginView(auth_views.LoginView):
    """Django's login, with password attempts limited per address (``login`` rate)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = throttle_wait(request, LOGIN_SCOPE)
        if wait is not None:
            context = self.get_context_data(throttled=login_throttled_message(wait))
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


class ObtainTokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token": "..."} for `Authorization: Token <key>`.

    Password attempts share the login page's per-address limit."""

    throttle_classes = [AtomicScopedRateThrottle]
    throttle_scope = LOGIN_SCOPE

    def throttled(self, request, wait):  # type: ignore[no-untyped-def]
        raise Throttled(wait=wait, detail=login_throttled_message(wait or 60))

    @extend_schema(responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}))
    def post(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return super().post(request, *args, **kwargs)
