"""The resumable upload endpoint, tus 1.0.0 (core, creation, termination, expiration), at
``/api/v1/uploads/``: the clip list's uploader (tus-js-client) and scripts use it alike.

- ``OPTIONS /api/v1/uploads/``: what the server supports.
- ``POST /api/v1/uploads/`` with ``Upload-Length`` and ``Upload-Metadata`` (``filename``,
  ``title``, ``description``, each base64): 201 with ``Location``.
- ``HEAD /api/v1/uploads/{id}/``: ``Upload-Offset`` — where to resume.
- ``PATCH /api/v1/uploads/{id}/`` (``application/offset+octet-stream``, ``Upload-Offset``):
  appends; the last byte creates the clip (``Clip-Id`` header, and ``clip`` in ``GET``).
- ``GET /api/v1/uploads/`` and ``GET /api/v1/uploads/{id}/``: JSON, the caller's uploads.
- ``DELETE /api/v1/uploads/{id}/``: gives up an unfinished upload.

Errors carry the contract's ``{"detail": "..."}`` in Russian. Authentication and CSRF are the
API's (session or token).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clipmaker.clips.models import ClipUpload
from clipmaker.clips.resumable import (
    UploadBusy,
    UploadLimit,
    UploadOffsetMismatch,
    upload_append,
    upload_create,
    upload_expires_at,
    upload_get,
    upload_terminate,
    uploads_unfinished,
)
from clipmaker.clips.services import ClipError

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
NOT_FOUND = "Загрузка не найдена: начните её заново."


class ClipUploadSerializer(serializers.ModelSerializer):
    clip = serializers.PrimaryKeyRelatedField(read_only=True)  # type: ignore[var-annotated]
    expires_at = serializers.SerializerMethodField()

    class Meta:
        model = ClipUpload
        fields = (
            "id",
            "filename",
            "title",
            "length",
            "offset",
            "clip",
            "created_at",
            "updated_at",
            "expires_at",
        )

    def get_expires_at(self, obj: ClipUpload) -> str | None:
        return None if obj.clip_id else upload_expires_at(obj).isoformat()


def _tus(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _error(message: str, code: int) -> Response:
    return _tus(Response({"detail": message}, status=code))  # type: ignore[return-value]


def _int_header(request: Request, name: str) -> int | None:
    try:
        value = int(request.headers.get(name, ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def parse_metadata(header: str) -> dict[str, str]:
    """``key base64,key2 base64`` (tus ``Upload-Metadata``) as text; bad pairs are skipped."""
    result: dict[str, str] = {}
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if not parts[0]:
            continue
        try:
            value = base64.b64decode(parts[1], validate=True).decode() if len(parts) > 1 else ""
        except (binascii.Error, UnicodeDecodeError):
            continue
        result[parts[0]] = value
    return result


TUS_HEADER = OpenApiParameter(
    "Tus-Resumable",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    enum=["1.0.0"],
    description="Версия протокола tus: всегда 1.0.0.",
)


def _answers(**codes: str) -> dict[int, OpenApiResponse]:
    return {int(code[1:]): OpenApiResponse(description=text) for code, text in codes.items()}


class _TusView(APIView):
    # Errors take the contract's shapes through the project's EXCEPTION_HANDLER.

    def _version_ok(self, request: Request) -> bool:
        return request.headers.get("Tus-Resumable") == TUS_VERSION

    def _refuse_version(self) -> Response:
        response = _error(
            "Нужен заголовок Tus-Resumable: 1.0.0.", status.HTTP_412_PRECONDITION_FAILED
        )
        response["Tus-Version"] = TUS_VERSION
        return response


class UploadListView(_TusView):
    @extend_schema(
        summary="Незавершённые загрузки по частям (tus)",
        description="Загрузки пользователя, ещё не ставшие клипами: сколько байт получено из скольких.",
        responses={200: ClipUploadSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        uploads = uploads_unfinished(owner=request.user)  # type: ignore[arg-type]
        return Response(ClipUploadSerializer(uploads, many=True).data)

    @extend_schema(exclude=True)
    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = TUS_EXTENSIONS
        response["Tus-Max-Size"] = str(settings.CLIP_MAX_UPLOAD_BYTES)
        return _tus(response)  # type: ignore[return-value]

    @extend_schema(
        summary="Начать загрузку по частям (tus)",
        description=(
            "Создаёт загрузку размером `Upload-Length` байт. `Upload-Metadata` — пары "
            "«ключ base64(значение)» через запятую: `filename`, `title`, `description`. "
            "Адрес для частей — в заголовке `Location`. Подробнее — README, раздел API."
        ),
        parameters=[
            TUS_HEADER,
            OpenApiParameter(
                "Upload-Length",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                required=True,
                description="Размер файла в байтах.",
            ),
            OpenApiParameter(
                "Upload-Metadata",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Имя файла, название и описание клипа (tus, base64).",
            ),
        ],
        request=None,
        responses={
            201: ClipUploadSerializer,
            **_answers(
                c400="Нет размера или он не подходит",
                c412="Нет заголовка Tus-Resumable: 1.0.0",
                c413="Файл больше допустимого размера",
                c429="Слишком много незавершённых загрузок",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        if not self._version_ok(request):
            return self._refuse_version()
        length = _int_header(request, "Upload-Length")
        if length is None:
            return _error(
                "Нужен заголовок Upload-Length с размером файла в байтах.",
                status.HTTP_400_BAD_REQUEST,
            )
        meta = parse_metadata(request.headers.get("Upload-Metadata", ""))
        try:
            upload = upload_create(
                owner=request.user,  # type: ignore[arg-type]
                length=length,
                filename=meta.get("filename", ""),
                title=meta.get("title", ""),
                description=meta.get("description", ""),
            )
        except UploadLimit as exc:
            return _error(str(exc), status.HTTP_429_TOO_MANY_REQUESTS)
        except ClipError as exc:
            code = (
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
                if length > settings.CLIP_MAX_UPLOAD_BYTES
                else status.HTTP_400_BAD_REQUEST
            )
            return _error(str(exc), code)
        response = Response(ClipUploadSerializer(upload).data, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            reverse("api-upload-detail", args=[upload.pk])
        )
        response["Upload-Expires"] = http_date(upload_expires_at(upload).timestamp())
        return _tus(response)  # type: ignore[return-value]


class UploadDetailView(_TusView):
    def _upload(self, request: Request, upload_id: str) -> ClipUpload | None:
        return upload_get(owner=request.user, upload_id=upload_id)  # type: ignore[arg-type]

    @extend_schema(
        summary="Загрузка по частям: сколько получено и какой клип создан",
        description="Состояние одной загрузки; после последнего байта `clip` — id созданного клипа.",
        responses={200: ClipUploadSerializer},
    )
    def get(self, request: Request, upload_id: str) -> Response:
        upload = self._upload(request, upload_id)
        if upload is None:
            return _error(NOT_FOUND, status.HTTP_404_NOT_FOUND)
        return _tus(Response(ClipUploadSerializer(upload).data))  # type: ignore[return-value]

    @extend_schema(exclude=True)
    def head(self, request: Request, upload_id: str) -> Response:
        upload = self._upload(request, upload_id)
        if upload is None:
            return _tus(Response(status=status.HTTP_404_NOT_FOUND))  # type: ignore[return-value]
        response = Response(status=status.HTTP_200_OK)
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Length"] = str(upload.length)
        if upload.clip_id is None:
            response["Upload-Expires"] = http_date(upload_expires_at(upload).timestamp())
        else:
            response["Clip-Id"] = str(upload.clip_id)
        return _tus(response)  # type: ignore[return-value]

    @extend_schema(
        summary="Отправить часть файла (tus)",
        description=(
            "Тело — байты файла начиная с `Upload-Offset` (тип "
            "`application/offset+octet-stream`). В ответе `Upload-Offset` — сколько получено; "
            "после последнего байта — `Clip-Id` созданного клипа."
        ),
        parameters=[
            TUS_HEADER,
            OpenApiParameter(
                "Upload-Offset",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                required=True,
                description="С какого байта начинается эта часть (HEAD скажет, сколько уже есть).",
            ),
        ],
        request={OFFSET_CONTENT_TYPE: OpenApiTypes.BINARY},
        responses={
            204: OpenApiResponse(description="Часть принята; `Upload-Offset` — сколько получено"),
            **_answers(
                c400="Часть не подходит",
                c404="Нет такой загрузки",
                c409="Смещение не совпадает с полученным",
                c412="Нет заголовка Tus-Resumable: 1.0.0",
                c415="Неверный тип тела запроса",
                c423="Эту загрузку сейчас дополняет другой запрос",
            ),
        },
    )
    def patch(self, request: Request, upload_id: str) -> Response:
        if not self._version_ok(request):
            return self._refuse_version()
        media_type = request.content_type.split(";")[0].strip()
        # A PATCH with no body at all appends nothing (204 at the same offset, or 409 if the
        # offset is wrong), as an empty tus chunk would, whatever type a server filled in.
        no_body = (
            not request.headers.get("Content-Length", "").strip("0 ")
            and "Transfer-Encoding" not in request.headers
        )
        if media_type != OFFSET_CONTENT_TYPE and not no_body:
            return _error(
                f"Тип тела запроса должен быть {OFFSET_CONTENT_TYPE}.",
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            )
        offset = _int_header(request, "Upload-Offset")
        if offset is None:
            return _error("Нужен заголовок Upload-Offset.", status.HTTP_400_BAD_REQUEST)
        upload = self._upload(request, upload_id)
        if upload is None:
            return _error(NOT_FOUND, status.HTTP_404_NOT_FOUND)
        raw = request._request  # the body is streamed, never read into memory
        try:
            upload = upload_append(
                upload=upload,
                offset=offset,
                read=raw.read,
                declared_length=_int_header(request, "Content-Length"),
            )
        except UploadOffsetMismatch as exc:
            return _error(str(exc), status.HTTP_409_CONFLICT)
        except UploadBusy as exc:
            return _error(str(exc), status.HTTP_423_LOCKED)
        except ClipError as exc:
            return _error(str(exc), status.HTTP_400_BAD_REQUEST)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["Upload-Offset"] = str(upload.offset)
        if upload.clip_id is not None:
            response["Clip-Id"] = str(upload.clip_id)
            response["Clip-Url"] = reverse("clip-detail", args=[upload.clip_id])
        else:
            response["Upload-Expires"] = http_date(upload_expires_at(upload).timestamp())
        return _tus(response)  # type: ignore[return-value]

    @extend_schema(
        summary="Удалить незавершённую загрузку (tus)",
        description="Удаляет полученные части; загрузка, уже ставшая клипом, остаётся клипом.",
        responses={
            204: OpenApiResponse(description="Загрузка удалена"),
            **_answers(c404="Нет такой загрузки", c412="Неверная версия Tus-Resumable"),
        },
    )
    def delete(self, request: Request, upload_id: str) -> Response:
        if not self._version_ok(request) and request.headers.get("Tus-Resumable") is not None:
            return self._refuse_version()
        upload = self._upload(request, upload_id)
        if upload is None:
            return _error(NOT_FOUND, status.HTTP_404_NOT_FOUND)
        if upload.clip_id is None:
            upload_terminate(upload=upload)
        return _tus(Response(status=status.HTTP_204_NO_CONTENT))  # type: ignore[return-value]
