"""Project-level views: home, health, metrics, API token."""

from __future__ import annotations

import hmac
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from rest_framework import serializers
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's login with the same per-address attempt limit as the site and the API (the
    lockout after failed attempts applies to it as to every login)."""
    from django.contrib import admin
    from django.shortcuts import render

    if request.method == "POST":
        wait = throttle_wait(request, LOGIN_SCOPE)
        if wait is not None:
            context = {
                **admin.site.each_context(request),
                "title": "Вход",
                "lockout": login_throttled_message(wait),
            }
            return render(request, "admin/login_locked.html", context, status=429)
    return admin.site.login(request)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=150, error_messages={"required": "Укажите логин.", "blank": "Укажите логин."}
    )
    password = serializers.CharField(
        max_length=4096,
        trim_whitespace=False,
        style={"input_type": "password"},
        error_messages={"required": "Укажите пароль.", "blank": "Укажите пароль."},
    )


TOKEN_RESPONSE = inline_serializer(
    "TokenResponse",
    {"token": serializers.CharField(), "expiry": serializers.DateTimeField()},
)
TOKEN_ERRORS = inline_serializer(
    "TokenErrors",
    {"errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()))},
)
TOKEN_DETAIL = inline_serializer("TokenDetail", {"detail": serializers.CharField()})
WRONG_CREDENTIALS = "Неверный логин или пароль."


class ObtainTokenView(APIView):
    """POST {"username", "password"} → {"token": "..."} for `Authorization: Token <key>`.

    The token is stored as a digest only and expires (``API_TOKEN_TTL_DAYS``). Password attempts
    share the login page's per-address limit and the lockout of every login (django-axes)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = (JSONParser, FormParser, MultiPartParser)
    throttle_classes = [AtomicScopedRateThrottle]
    throttle_scope = LOGIN_SCOPE

    def throttled(self, request, wait):  # type: ignore[no-untyped-def]
        raise Throttled(wait=wait, detail=login_throttled_message(wait or 60))

    @extend_schema(
        summary="Получить API-токен по логину и паролю",
        description=(
            "Ключ для заголовка `Authorization: Token <ключ>`; действует 30 дней, его можно "
            "отозвать на странице «Безопасность»."
        ),
        request=TokenRequestSerializer,
        responses={
            200: TOKEN_RESPONSE,
            400: OpenApiResponse(TOKEN_ERRORS, description="Неверный логин или пароль"),
            429: OpenApiResponse(TOKEN_DETAIL, description="Слишком много попыток входа"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        from clipmaker.accounts.tokens import api_token_create

        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        # The Django request: the lockout backend counts its address and flags it when locked.
        user = authenticate(
            request._request,
            username=payload.validated_data["username"],
            password=payload.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise ValidationError({"non_field_errors": [WRONG_CREDENTIALS]})
        instance, token = api_token_create(user=user)
        return Response({"token": token, "expiry": instance.expiry})


API_NOT_FOUND = "Не найдено. Проверьте адрес и идентификатор."


@csrf_exempt  # it changes nothing; a POST to a wrong address must get this JSON, not a CSRF page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any /api/ address no route matched (a non-numeric id, a typo): JSON like every other API
    answer, never Django's HTML page."""
    return JsonResponse({"detail": API_NOT_FOUND}, status=404)
