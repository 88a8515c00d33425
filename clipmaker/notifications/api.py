"""The JSON API for notifications: the list (newest first, paginated), mark one read, mark all
read. Thin over ``selectors`` and ``services``."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clipmaker.notifications import selectors, services
from clipmaker.notifications.models import Notification
from clipmaker.notifications.serializers import NotificationSerializer, ReadAllSerializer
from publishing.api import ContractErrorsMixin

NOT_FOUND = OpenApiResponse(description="Нет такого уведомления")


@extend_schema_view(
    list=extend_schema(
        summary="Уведомления пользователя",
        description=(
            "Публикации, которые не удались окончательно, истёкшие и требующие внимания "
            "подключения, токены, которые скоро истекут. Новые сверху, по 50 на странице."
        ),
        tags=["notifications"],
    ),
)
class NotificationViewSet(ContractErrorsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Notification.objects.none()
        return selectors.notification_list(user=self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        summary="Отметить уведомление прочитанным",
        request=None,
        responses={200: NotificationSerializer, 404: NOT_FOUND},
        tags=["notifications"],
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = services.notification_mark_read(notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        summary="Отметить все уведомления прочитанными",
        request=None,
        responses={200: ReadAllSerializer},
        tags=["notifications"],
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = services.notification_mark_all_read(user=request.user)  # type: ignore[arg-type]
        return Response({"marked": marked})
