"""Disabling and removing a destination, and disconnecting one connection, on the settings
page and in the API. Each cancels the publications that were waiting for the place(s), so these
views live with publishing (``publishing.destinations``, ``publishing.services``); the rest of
the destination pages and API are ``platforms.views`` / ``platforms.destination_api``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from platforms.destination_api import (
    CONNECTION_PARAM,
    DESTINATION_PARAM,
    connection_or_404,
    destination_data,
    destination_or_404,
    rejected,
)
from platforms.destinations import (
    DestinationRejected,
    destination_enable,
    destination_rename,
    destination_set_mode,
)
from platforms.models import Destination, PlatformConnection
from platforms.providers import platform_label
from platforms.selectors import connection_get_by_id, destination_get
from platforms.serializers import (
    DestinationChangeSerializer,
    DestinationSerializer,
    DetailSerializer,
    DisconnectResultSerializer,
    ErrorsSerializer,
)
from publishing.destinations import destination_disable, destination_remove
from publishing.selectors import publication_pending_count
from publishing.services import connection_disconnect

SETTINGS_URL = "platforms:settings"


def _destination(request: HttpRequest, destination_id: int) -> Destination:
    destination = destination_get(user=request.user, destination_id=destination_id)
    if destination is None:
        raise Http404("Место публикации не найдено")
    return destination


def _cancelled_note(cancelled: int) -> str:
    return f" Отменено запланированных публикаций: {cancelled}." if cancelled else ""


# --- pages ---------------------------------------------------------------------------------


@login_required
@require_POST
def destination_disable_view(request: HttpRequest, destination_id: int) -> HttpResponse:
    destination = _destination(request, destination_id)
    cancelled = destination_disable(user=request.user, destination=destination)
    messages.success(
        request,
        f"Место «{destination.display_name}» выключено: его больше нет в списке для публикации."
        + _cancelled_note(cancelled),
    )
    return redirect(SETTINGS_URL)


@login_required
@require_http_methods(["GET", "POST"])
def destination_remove_view(request: HttpRequest, destination_id: int) -> HttpResponse:
    """The confirmation page (how many publications it cancels), and the removal itself."""
    destination = _destination(request, destination_id)
    if request.method == "POST":
        cancelled = destination_remove(user=request.user, destination=destination)
        messages.success(
            request,
            f"Место «{destination.display_name}» удалено. Опубликованные туда клипы и их "
            "статистика остались." + _cancelled_note(cancelled),
        )
        return redirect(SETTINGS_URL)
    context: dict[str, Any] = {
        "destination": destination,
        "pending": publication_pending_count(
            user=request.user,
            destination_id=destination.pk,
        ),
    }
    return render(request, "platforms/destination_remove_confirm.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def connection_disconnect_view(request: HttpRequest, connection_id: str) -> HttpResponse:
    """Disconnect one account of a platform: the confirmation page, and the disconnect."""
    connection = connection_get_by_id(user=request.user, connection_id=connection_id)
    if connection is None:
        raise Http404("Подключение не найдено")
    label = platform_label(connection.platform)
    if request.method == "POST":
        try:
            cancelled = connection_disconnect(user=request.user, connection_id=connection.pk)
        except PlatformConnection.DoesNotExist:
            raise Http404("Подключение не найдено") from None
        messages.success(
            request, f"{label} ({connection.account_name}) отключён." + _cancelled_note(cancelled)
        )
        return redirect(SETTINGS_URL)
    context: dict[str, Any] = {
        "connection": connection,
        "label": label,
        "platform": connection.platform,
        "destinations": list(connection.destinations.filter(removed_at__isnull=True)),
        "pending": publication_pending_count(
            user=request.user,
            connection_id=connection.pk,
        ),
    }
    return render(request, "platforms/disconnect_confirm.html", context)


# --- API -----------------------------------------------------------------------------------


class DestinationDetailApi(APIView):
    @extend_schema(
        summary="One destination",
        parameters=[DESTINATION_PARAM],
        responses={200: DestinationSerializer, 404: DetailSerializer},
        tags=["destinations"],
    )
    def get(self, request: Request, destination_id: str) -> Response:
        return Response(destination_data(request, [destination_or_404(request, destination_id)])[0])

    @extend_schema(
        summary="Rename a destination locally, or enable / disable it",
        description=(
            "`name`: your own name for the place (empty: the platform's name). `enabled: false` "
            "stops offering it for new publications and cancels the scheduled and queued ones. "
            "VK: `vk_mode` (clip or video) and `vk_wallpost` set how publications here go out "
            "by default."
        ),
        parameters=[DESTINATION_PARAM],
        request=DestinationChangeSerializer,
        responses={200: DestinationSerializer, 400: ErrorsSerializer, 404: DetailSerializer},
        tags=["destinations"],
    )
    def patch(self, request: Request, destination_id: str) -> Response:
        destination = destination_or_404(request, destination_id)
        payload = DestinationChangeSerializer(data=request.data)
        if not payload.is_valid():
            return Response({"errors": payload.errors}, status=status.HTTP_400_BAD_REQUEST)
        data = payload.validated_data
        try:
            if "name" in data:
                destination = destination_rename(destination=destination, name=data["name"])
            if "vk_mode" in data or "vk_wallpost" in data:
                current = next((m for m, _label, on in destination.mode_choices if on), "")
                destination = destination_set_mode(
                    destination=destination,
                    mode=data.get("vk_mode", current),
                    wallpost=data.get("vk_wallpost", destination.wallpost),
                )
        except DestinationRejected as exc:
            return rejected(exc)
        if data.get("enabled") is True:
            destination = destination_enable(destination=destination)
        elif data.get("enabled") is False and destination.enabled:
            destination_disable(user=request.user, destination=destination)
        return Response(destination_data(request, [destination])[0])

    @extend_schema(
        summary="Remove a destination",
        description=(
            "Cancels the scheduled and queued publications to it. Publications already made "
            "keep their link and stats."
        ),
        parameters=[DESTINATION_PARAM],
        responses={200: DisconnectResultSerializer, 404: DetailSerializer},
        tags=["destinations"],
    )
    def delete(self, request: Request, destination_id: str) -> Response:
        destination = destination_or_404(request, destination_id)
        cancelled = destination_remove(user=request.user, destination=destination)
        return Response({"cancelled_publications": cancelled})


class ConnectionDetailApi(APIView):
    @extend_schema(
        summary="Disconnect one connection",
        description=(
            "Wipes its tokens, removes its destinations and cancels their scheduled and queued "
            "publications."
        ),
        parameters=[CONNECTION_PARAM],
        responses={200: DisconnectResultSerializer, 404: DetailSerializer},
        tags=["platforms"],
    )
    def delete(self, request: Request, connection_id: str) -> Response:
        connection = connection_or_404(request, connection_id)
        try:
            cancelled = connection_disconnect(user=request.user, connection_id=connection.pk)
        except PlatformConnection.DoesNotExist:
            raise Http404 from None
        return Response({"cancelled_publications": cancelled})
