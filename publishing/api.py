"""The JSON API for clips and publications (shared/API.md); thin views over the services.

The clips' views are in ``publishing.clip_api``, what the views share (the contract's error
shapes, the publish limit) in ``publishing.api_common``; both are re-exported here, where the
settings and the URLs name them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from publishing import selectors
from publishing.api_common import (  # noqa: F401  (re-exported)
    NOT_FOUND,
    PUBLISH_LIMIT_MESSAGE,
    ConflictErrors,
    ContractErrorsMixin,
    ErrorDetail,
    PublishLimitMixin,
    PublishThrottle,
    ValidationErrors,
    api_exception_handler,
    publish_throttle_wait,
    validation_errors,
)
from publishing.clip_api import ClipViewSet  # noqa: F401  (re-exported)
from publishing.models import Publication
from publishing.serializers import (
    PublicationSerializer,
    RescheduleRequestSerializer,
    RetryRequestSerializer,
)
from publishing.services import (
    PublicationStateError,
    PublicationValidationError,
    publication_cancel,
    publication_reschedule,
    publication_retry,
)
from stats import api as stats_api
from stats.serializers import StatsHistorySerializer

# --- publications --------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(
        summary="Публикация",
        description=(
            "Статус, попытки, ссылка, ошибка, прогресс загрузки, статистика и текст, который "
            "ушёл на платформу (`sent_title`, `sent_description`)."
        ),
        responses={200: PublicationSerializer, 404: NOT_FOUND},
    ),
)
class PublicationViewSet(
    PublishLimitMixin, ContractErrorsMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = PublicationSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Publication.objects.none()
        return selectors.publication_list(user=self.request.user)

    @extend_schema(
        summary="Перенести запланированную публикацию",
        description=(
            "Меняет только scheduled_at публикации в статусе scheduled; проверки те же, что при "
            "создании: время в будущем и не дальше чем на год, платформа и место входят в тариф."
        ),
        request=RescheduleRequestSerializer,
        responses={
            200: PublicationSerializer,
            400: OpenApiResponse(ValidationErrors, description="Время не подходит: причина"),
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorDetail, description="Публикация не в статусе scheduled"),
        },
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        publication: Publication = self.get_object()
        payload = RescheduleRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            publication = publication_reschedule(
                publication=publication, scheduled_at=payload.validated_data["scheduled_at"]
            )
        except PublicationStateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except PublicationValidationError as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(PublicationSerializer(publication).data)

    def _change(self, service: Callable[..., Any], **options: Any) -> Response:
        publication: Publication = self.get_object()
        try:
            service(publication=publication, **options)
        except PublicationStateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        publication.refresh_from_db()
        return Response(PublicationSerializer(publication).data)

    @extend_schema(
        summary="Отменить публикацию",
        description=(
            "Запланированную или ожидающую — сразу; идущую загрузку — когда она закончится. "
            "Когда платформа уже обрабатывает видео, отменить нельзя (409)."
        ),
        request=None,
        responses={
            200: PublicationSerializer,
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorDetail, description="Отменить уже нельзя"),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._change(publication_cancel)

    @extend_schema(
        summary="Повторить неудавшуюся публикацию",
        description='Тело не обязательно; `{"vk_mode": "video"}` повторяет публикацию VK '
        "в другом режиме (например, видео вместо Клипа, если VK не разрешил аккаунту Клипы).",
        request=RetryRequestSerializer,
        responses={
            200: PublicationSerializer,
            404: NOT_FOUND,
            409: OpenApiResponse(
                ErrorDetail,
                description=(
                    "Публикация не в статусе failed и не отменена из-за отключения платформы "
                    "(или платформа ещё не подключена снова)"
                ),
            ),
            429: OpenApiResponse(ErrorDetail, description="Больше 20 публикаций в минуту"),
        },
    )
    @action(detail=True, methods=["post"], throttle_classes=[PublishThrottle])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        payload = RetryRequestSerializer(data=request.data or {})
        payload.is_valid(raise_exception=True)
        vk_mode = payload.validated_data["vk_mode"]
        return self._change(publication_retry, **({"vk_mode": vk_mode} if vk_mode else {}))

    @extend_schema(
        summary="История статистики публикации",
        description="Снимки просмотров, лайков, комментариев и репостов, старые первыми.",
        parameters=stats_api.HISTORY_PARAMETERS,
        responses={
            200: StatsHistorySerializer,
            400: OpenApiResponse(ValidationErrors, description="Неверный since или limit"),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"])
    def stats(self, request: Request, pk: str | None = None) -> Response:
        return stats_api.publication_stats_history(request, self.get_object())
