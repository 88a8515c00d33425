"""The JSON API for clips (shared/API.md): list, upload, read, change, delete, publish."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from clipmaker.clips.models import Clip
from clipmaker.clips.services import (
    ClipError,
    clip_create,
    too_large_message,
    upload_declared_too_large,
)
from publishing import selectors
from publishing.api_common import (
    NOT_FOUND,
    ConflictErrors,
    ContractErrorsMixin,
    ErrorDetail,
    PublishLimitMixin,
    PublishThrottle,
    ValidationErrors,
)
from publishing.clip_changes import ClipBusy, ClipChangeError, clip_delete, clip_update
from publishing.serializers import (
    ClipEditSerializer,
    ClipSerializer,
    ClipUploadSerializer,
    PublicationSerializer,
    PublishRequestSerializer,
)
from publishing.services import (
    PublicationConflict,
    PublicationValidationError,
    publication_create,
)

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
