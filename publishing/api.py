"""The JSON API for clips and publications (shared/API.md); thin views over the services.

Errors follow the contract: ``{"detail": "..."}`` or, for validation, ``{"errors": {...}}``,
in Russian. ``api_exception_handler`` shapes them; these views use it directly and it is fit to
be the project's ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clipmaker.clips.models import Clip
from clipmaker.clips.services import (
    ClipError,
    clip_create,
    too_large_message,
    upload_declared_too_large,
)
from clipmaker.shared_state import (
    SERVICE_UNAVAILABLE_MESSAGE,
    SERVICE_UNAVAILABLE_RETRY_AFTER,
    is_outage,
)
from clipmaker.throttling import AtomicScopedRateThrottle, throttle_wait
from publishing import selectors
from publishing.clip_changes import ClipBusy, ClipChangeError, clip_delete, clip_update
from publishing.models import Publication
from publishing.serializers import (
    ClipEditSerializer,
    ClipSerializer,
    ClipUploadSerializer,
    PublicationSerializer,
    PublishRequestSerializer,
    RescheduleRequestSerializer,
    RetryRequestSerializer,
)
from publishing.services import (
    PublicationConflict,
    PublicationStateError,
    PublicationValidationError,
    publication_cancel,
    publication_create,
    publication_reschedule,
    publication_retry,
)
from stats import api as stats_api
from stats.serializers import StatsHistorySerializer

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


# --- clips ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Клипы вызывающего, новые первыми",
        description="Постранично (`?page=`), у каждого клипа — его публикации.",
        responses={200: ClipSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="Клип с его публикациями",
        description="Клип вызывающего; чужой или несуществующий — 404.",
        responses={200: ClipSerializer, 404: NOT_FOUND},
    ),
)
class ClipViewSet(
    PublishLimitMixin,
    ContractErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ClipSerializer
    lookup_value_regex = r"[0-9]+"
    parser_classes = (JSONParser, MultiPartParser, FormParser)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Clip.objects.none()
        return selectors.clip_list(user=self.request.user)

    @extend_schema(
        summary="Загрузить клип",
        description=(
            "Клип сохраняется и получает статус processing; фоновая проверка файла переводит "
            "его в ready или в rejected с причиной в status_message."
        ),
        request={"multipart/form-data": ClipUploadSerializer},
        responses={201: ClipSerializer, 400: ValidationErrors},
    )
    def create(self, request: Request) -> Response:
        # Before request.data: reading it would spool the whole body to disk first.
        if upload_declared_too_large(request.META.get("CONTENT_LENGTH")):
            raise exceptions.ValidationError({"file": [too_large_message()]})
        upload = ClipUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            clip = clip_create(
                owner=request.user,
                file=file,
                filename=file.name,
                title=upload.validated_data["title"],
                description=upload.validated_data["description"],
                size=file.size,
            )
        except ClipError as exc:
            raise exceptions.ValidationError({"file": [str(exc)]}) from None
        clip = selectors.clip_get(user=request.user, clip_id=clip.pk)
        return Response(ClipSerializer(clip).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Изменить название и описание клипа",
        description=(
            "Название и описание — текст по умолчанию для новых публикаций; уже отправленные "
            "публикации сохраняют свой текст."
        ),
        request=ClipEditSerializer,
        responses={200: ClipSerializer, 400: ValidationErrors, 404: NOT_FOUND},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        clip: Clip = self.get_object()
        payload = ClipEditSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            clip_update(
                clip=clip,
                title=data.get("title", clip.title),
                description=data.get("description", clip.description),
            )
        except ClipChangeError as exc:
            raise exceptions.ValidationError({"title": [str(exc)]}) from None
        clip = selectors.clip_get(user=request.user, clip_id=clip.pk)
        return Response(ClipSerializer(clip).data)

    @extend_schema(
        summary="Удалить клип",
        description=(
            "Удаляет файл клипа, историю его публикаций и статистику; опубликованные посты "
            "остаются на платформах. 409, пока какая-либо публикация клипа в очереди или "
            "публикуется."
        ),
        responses={
            204: OpenApiResponse(description="Клип удалён"),
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorDetail, description="Клип сейчас публикуется"),
        },
    )
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        clip: Clip = self.get_object()
        try:
            clip_delete(clip=clip, by=request.user)  # type: ignore[arg-type]
        except ClipBusy as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Опубликовать клип сейчас или по расписанию",
        description=(
            "Места (`destinations`) или платформы (`platforms`), время (`scheduled_at`), общий "
            "заголовок и описание и свой текст для платформы (`texts`): он должен уместиться в "
            "её лимиты, общий текст обрезается по ним. Всё или ничего."
        ),
        request=PublishRequestSerializer,
        responses={
            201: PublicationSerializer(many=True),
            400: OpenApiResponse(
                ValidationErrors,
                description=(
                    "Ошибки по местам (destination:<id>), платформам или полям; ничего не создано"
                ),
            ),
            404: NOT_FOUND,
            409: OpenApiResponse(
                ConflictErrors,
                description="В это место клип уже запланирован или публикуется",
            ),
            429: OpenApiResponse(ErrorDetail, description="Больше 20 публикаций в минуту"),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        throttle_classes=[PublishThrottle],
        parser_classes=(JSONParser, FormParser, MultiPartParser),
    )
    def publish(self, request: Request, pk: str | None = None) -> Response:
        clip: Clip = self.get_object()
        payload = PublishRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            created = publication_create(
                user=request.user,
                clip=clip,
                destinations=data.get("destinations"),
                platforms=data.get("platforms"),
                scheduled_at=data["scheduled_at"],
                title=data["title"],
                description=data["description"],
                platform_texts=data.get("texts"),
                vk_mode=data["vk_mode"],
            )
        # PublicationConflict is a PublicationValidationError: catch it first.
        except PublicationConflict as exc:
            detail = " ".join(msg for msgs in exc.errors.values() for msg in msgs)
            return Response(
                {"detail": detail or "Публикация уже идёт.", "errors": exc.errors},
                status=status.HTTP_409_CONFLICT,
            )
        except PublicationValidationError as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            PublicationSerializer(created, many=True).data, status=status.HTTP_201_CREATED
        )


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
