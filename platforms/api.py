"""JSON API for platform connections (API.md "Platforms"): thin DRF views over the services."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clipmaker.throttling import AtomicScopedRateThrottle, throttle_wait, wait_label
from platforms import connect, selectors, services
from platforms.providers import is_platform, platform_values
from platforms.serializers import (
    AuthorizeUrlSerializer,
    ConnectRequestSerializer,
    DetailSerializer,
    ErrorsSerializer,
    PlatformStateSerializer,
    TestResultSerializer,
)

CONNECT_SCOPE = "connect"
CHECK_SCOPE = "connection_test"

PLATFORM_PARAM = OpenApiParameter(
    "platform",
    str,
    OpenApiParameter.PATH,
    enum=platform_values(),
    description=", ".join(platform_values()),
)


def connect_throttle_wait(request: HttpRequest) -> float | None:
    """Count one connect attempt against the user's shared ``connect`` budget (page and API)."""
    return throttle_wait(request, CONNECT_SCOPE)


def platform_or_404(platform: str) -> str:
    if not is_platform(platform):
        raise Http404
    return platform


def connect_throttled_message(wait: float) -> str:
    return f"Слишком много попыток подключения: не больше 5 в час. Попробуйте снова {wait_label(wait)}."


def check_throttled_message(wait: float) -> str:
    return f"Слишком много проверок подключения: не больше 30 в час. Попробуйте снова {wait_label(wait)}."


class PlatformListApi(APIView):
    @extend_schema(
        summary="Connections to every platform",
        description=(
            "One row per connection (a user may connect several accounts of a platform), and "
            "one row with status `disconnected` (or `revoked`) for each platform without one."
        ),
        responses=PlatformStateSerializer(many=True),
        tags=["platforms"],
    )
    def get(self, request: Request) -> Response:
        states = selectors.platform_state_list(user=request.user)
        return Response(PlatformStateSerializer(states, many=True).data)


class PlatformConnectApi(APIView):
    throttle_classes = [AtomicScopedRateThrottle]
    throttle_scope = CONNECT_SCOPE

    def throttled(self, request: Request, wait: float | None) -> None:
        raise Throttled(wait=wait, detail=connect_throttled_message(wait or 60))

    @extend_schema(
        summary="Connect a platform",
        description=(
            "vk / dzen: returns the OAuth authorize URL the browser must open; the platform "
            "sends it back to /api/oauth/<platform>/callback. rutube / telegram, and vk with "
            "`token` (a user token the person made, or the whole address "
            "`https://oauth.vk.com/blank.html#access_token=...&expires_in=...&user_id=...`): "
            "the token is verified with the platform and the connection returned (201). "
            "At most 5 connect calls per hour per user (429)."
        ),
        request=ConnectRequestSerializer,
        responses={
            200: AuthorizeUrlSerializer,
            201: PlatformStateSerializer,
            400: OpenApiResponse(ErrorsSerializer, description="validation or verification"),
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
        summary="Check the platform's connections with the platform now",
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
