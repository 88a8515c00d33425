"""JSON API for destinations and single connections (API.md "Additions"): listing places,
adding, checking. Thin DRF views over ``platforms.destinations`` / ``destination_flows``.

Changing or removing a destination and disconnecting one connection cancel publications, so
those views are ``publishing.destination_views``.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clipmaker.throttling import AtomicScopedRateThrottle
from platforms import destination_flows, selectors, services
from platforms.api import CHECK_SCOPE, check_throttled_message
from platforms.destinations import DestinationRejected
from platforms.models import Destination, PlatformConnection
from platforms.serializers import (
    DestinationAddSerializer,
    DestinationSerializer,
    DetailSerializer,
    ErrorsSerializer,
    PlaceSerializer,
    TestResultSerializer,
)

CONNECTION_PARAM = OpenApiParameter(
    "connection_id", str, OpenApiParameter.PATH, description="id подключения (UUID)"
)
DESTINATION_PARAM = OpenApiParameter(
    "destination_id", int, OpenApiParameter.PATH, description="id места публикации"
)


def connection_or_404(request: Request, connection_id: object) -> PlatformConnection:
    connection = selectors.connection_get_by_id(user=request.user, connection_id=connection_id)
    if connection is None:
        raise Http404
    return connection


def destination_or_404(request: Request, destination_id: object) -> Destination:
    destination = selectors.destination_get(user=request.user, destination_id=destination_id)
    if destination is None:
        raise Http404
    return destination


def destination_data(request: Request, destinations: list[Destination]) -> list[dict]:
    within = selectors.destinations_within_limit(user=request.user)
    context = {"within_limit": within}
    return DestinationSerializer(destinations, many=True, context=context).data


def rejected(exc: DestinationRejected) -> Response:
    return Response({"errors": {exc.field: [exc.message]}}, status=status.HTTP_400_BAD_REQUEST)


class DestinationListApi(APIView):
    @extend_schema(
        summary="Места публикации вызывающего",
        description=(
            "Все действующие места в порядке платформ. `allowed_by_plan` — false для платформы "
            "вне тарифа и для мест сверх числа, которое разрешает тариф."
        ),
        responses=DestinationSerializer(many=True),
        tags=["destinations"],
    )
    def get(self, request: Request) -> Response:
        return Response(
            destination_data(request, selectors.destinations_in_order(user=request.user))
        )


class ConnectionPlacesApi(APIView):
    @extend_schema(
        summary="Куда подключение может публиковать — по списку платформы сейчас",
        description="VK: страница пользователя и сообщества, где он администратор или редактор.",
        parameters=[CONNECTION_PARAM],
        responses={200: PlaceSerializer(many=True), 400: ErrorsSerializer, 404: DetailSerializer},
        tags=["destinations"],
    )
    def get(self, request: Request, connection_id: str) -> Response:
        connection = connection_or_404(request, connection_id)
        try:
            options = destination_flows.destination_places(connection=connection)
        except DestinationRejected as exc:
            return rejected(exc)
        return Response(PlaceSerializer(options, many=True).data)


class ConnectionDestinationsApi(APIView):
    # A place added by hand makes us ask the platform about it: counted like a connection check,
    # so the form cannot be used to probe channels in bulk.
    throttle_classes = [AtomicScopedRateThrottle]
    throttle_scope = CHECK_SCOPE

    def throttled(self, request: Request, wait: float | None) -> None:
        raise Throttled(wait=wait, detail=check_throttled_message(wait or 60))

    @extend_schema(
        summary="Добавить места публикации к подключению",
        description=(
            "`external_ids`: места из списка подключения (сообщества VK) или поля платформы "
            "для места, добавляемого вручную (Telegram: `chat_id`, проверяется через "
            "getChat/getChatMember). Не больше мест, чем разрешает тариф."
        ),
        parameters=[CONNECTION_PARAM],
        request=DestinationAddSerializer,
        responses={
            201: DestinationSerializer(many=True),
            400: ErrorsSerializer,
            404: DetailSerializer,
            429: DetailSerializer,
        },
        tags=["destinations"],
    )
    def post(self, request: Request, connection_id: str) -> Response:
        connection = connection_or_404(request, connection_id)
        payload = DestinationAddSerializer(data=request.data)
        if not payload.is_valid():
            return Response({"errors": payload.errors}, status=status.HTTP_400_BAD_REQUEST)
        data = payload.validated_data
        try:
            if data.get("external_ids"):
                added = destination_flows.destination_add_listed(
                    connection=connection, external_ids=data["external_ids"]
                )
            else:
                added = [
                    destination_flows.destination_add_manual(connection=connection, values=data)
                ]
        except DestinationRejected as exc:
            return rejected(exc)
        return Response(destination_data(request, added), status=status.HTTP_201_CREATED)


class _CheckThrottled(APIView):
    throttle_classes = [AtomicScopedRateThrottle]
    throttle_scope = CHECK_SCOPE

    def throttled(self, request: Request, wait: float | None) -> None:
        raise Throttled(wait=wait, detail=check_throttled_message(wait or 60))


class ConnectionTestApi(_CheckThrottled):
    @extend_schema(
        summary="Проверить подключение у платформы сейчас",
        description="Токен подключения проверяется у самой платформы.",
        parameters=[CONNECTION_PARAM],
        request=None,
        responses={200: TestResultSerializer, 404: DetailSerializer, 429: DetailSerializer},
        tags=["platforms"],
    )
    def post(self, request: Request, connection_id: str) -> Response:
        ok, detail = services.connection_test(connection=connection_or_404(request, connection_id))
        return Response({"ok": ok, "detail": detail})


class DestinationTestApi(_CheckThrottled):
    @extend_schema(
        summary="Проверить, что подключение всё ещё может публиковать сюда",
        description="Права на место проверяются у самой платформы.",
        parameters=[DESTINATION_PARAM],
        request=None,
        responses={
            200: OpenApiResponse(TestResultSerializer),
            404: DetailSerializer,
            429: DetailSerializer,
        },
        tags=["destinations"],
    )
    def post(self, request: Request, destination_id: str) -> Response:
        destination = destination_or_404(request, destination_id)
        ok, detail = destination_flows.destination_test(destination=destination)
        return Response({"ok": ok, "detail": detail})
