"""JSON API for platform connections (API.md "Platforms"): thin DRF views over the services."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clipmaker.throttling import AtomicScopedRateThrottle, wait_label
from platforms import connect, selectors, services
from platforms.connect_limit import ConnectLimited
from platforms.providers import is_platform, platform_values
from platforms.serializers import (
    AuthorizeUrlSerializer,
    ConnectRequestSerializer,
    DetailSerializer,
    ErrorsSerializer,
    PlatformStateSerializer,
    TestResultSerializer,
)

CHECK_SCOPE = "connection_test"

PLATFORM_PARAM = OpenApiParameter(
    "platform",
    str,
    OpenApiParameter.PATH,
    enum=platform_values(),
    description="Платформа: " + ", ".join(platform_values()),
)


def platform_or_404(platform: str) -> str:
    if not is_platform(platform):
        raise Http404
    return platform


def check_throttled_message(wait: float) -> str:
    return f"Слишком много проверок подключения: не больше 30 в час. Попробуйте снова {wait_label(wait)}."


class PlatformListApi(APIView):
    @extend_schema(
        summary="Подключения ко всем платформам",
        description=(
            "По строке на подключение (к платформе можно подключить несколько аккаунтов) и по "
            "строке со статусом `disconnected` (или `revoked`) для каждой платформы без них."
        ),
        responses=PlatformStateSerializer(many=True),
        tags=["platforms"],
    )
    def get(self, request: Request) -> Response:
        states = selectors.platform_state_list(user=request.user)
        return Response(PlatformStateSerializer(states, many=True).data)


def connect_limited_response(exc: ConnectLimited) -> Response:
    """429 with the time to wait, in the body (``retry_after``, seconds) and the header."""
    return Response(
        {"detail": exc.message, "retry_after": exc.retry_after},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(exc.retry_after)},
    )


class PlatformConnectApi(APIView):
    @extend_schema(
        summary="Подключить платформу",
        description=(
            "vk / dzen: возвращает адрес входа OAuth, который нужно открыть в браузере; "
            "платформа вернёт пользователя на /api/oauth/<platform>/callback. rutube / telegram, "
            "а также vk с `token` (пользовательский токен или весь адрес "
            "`https://oauth.vk.com/blank.html#access_token=...&expires_in=...&user_id=...`): "
            "токен проверяется у платформы, в ответе — подключение (201). "
            "Не больше 5 завершённых подключений в час на пользователя и платформу: "
            "токен, проверенный платформой, или вернувшийся OAuth (429 с `retry_after`, "
            "в секундах). Начало входа OAuth не считается, но при исчерпанном лимите "
            "отклоняется."
        ),
        request=ConnectRequestSerializer,
        responses={
            200: AuthorizeUrlSerializer,
            201: PlatformStateSerializer,
            400: OpenApiResponse(
                ErrorsSerializer, description="Неверные данные или платформа не приняла токен"
            ),
            429: DetailSerializer,
        },
        tags=["platforms"],
    )
    def post(self, request: Request) -> Response:
        serializer = ConnectRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"errors": serializer.errors}, status=status.HTTP_400_BAD_REQUEST)
        data = serializer.validated_data
        platform = data["platform"]
        try:
            if not connect.connection_uses_token(platform=platform, values=data):
                url = connect.connection_oauth_start(user=request.user, platform=platform)
                return Response({"authorize_url": url})
            conn = connect.connection_connect_token(
                user=request.user, platform=platform, values=data
            )
        except ConnectLimited as exc:
            return connect_limited_response(exc)
        except connect.ConnectionRejected as exc:
            return Response({"errors": {exc.field: [exc.message]}}, status=400)
        state = selectors.platform_state_for(connection=conn)
        return Response(PlatformStateSerializer(state).data, status=status.HTTP_201_CREATED)


class PlatformTestApi(APIView):
    throttle_classes = [AtomicScopedRateThrottle]
    throttle_scope = CHECK_SCOPE

    def throttled(self, request: Request, wait: float | None) -> None:
        raise Throttled(wait=wait, detail=check_throttled_message(wait or 60))

    @extend_schema(
        summary="Проверить подключения к платформе сейчас",
        description="Каждое подключение к платформе проверяется у самой платформы.",
        parameters=[PLATFORM_PARAM],
        request=None,
        responses={200: TestResultSerializer, 404: DetailSerializer, 429: DetailSerializer},
        tags=["platforms"],
    )
    def post(self, request: Request, platform: str) -> Response:
        connections = list(
            selectors.connection_list(user=request.user, platform=platform_or_404(platform))
        )
        if not connections:
            raise Http404
        # Every connection to the platform (one per account); a single one reads as before.
        results = [services.connection_test(connection=conn) for conn in connections]
        return Response(
            {"ok": all(ok for ok, _ in results), "detail": " ".join(d for _, d in results)}
        )
