"""Disconnecting a platform, on the settings page and in the API.

Disconnecting also cancels the publications that were waiting for the connection, so these
views live with publishing (``publishing.services.connection_disconnect``); the rest of the
platform settings pages are ``platforms.views``, which never reach into publishing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from platforms.api import PLATFORM_PARAM, platform_or_404
from platforms.models import PlatformConnection
from platforms.providers import platform_label, platform_noun
from platforms.selectors import connection_get, connection_list
from platforms.serializers import DetailSerializer, DisconnectResultSerializer
from publishing.selectors import publication_pending_count
from publishing.services import connection_disconnect

SETTINGS_URL = "platforms:settings"


@login_required
@require_http_methods(["GET", "POST"])
def platform_disconnect(request: HttpRequest, platform: str) -> HttpResponse:
    """The confirmation page (how many publications it cancels), and the disconnect itself."""
    try:
        platform = platform_or_404(platform)
    except Http404:
        raise Http404("Неизвестная платформа") from None
    label = platform_label(platform)
    conn = connection_get(user=request.user, platform=platform)
    if conn is None:
        raise Http404("Платформа не подключена")
    if request.method == "POST":
        try:
            cancelled = connection_disconnect(user=request.user, platform=platform)
        except PlatformConnection.DoesNotExist:
            raise Http404("Платформа не подключена") from None
        noun = platform_noun(platform)
        text = f"{noun} {noun.agree('отключён', 'отключена', 'отключено')}."
        if cancelled:
            text += f" Отменено запланированных публикаций: {cancelled}."
        messages.success(request, text)
        return redirect(SETTINGS_URL)
    connections = list(connection_list(user=request.user, platform=platform))
    context: dict[str, Any] = {
        "connection": conn,
        "connections": connections,
        "label": label,
        "platform": platform,
        "destinations": [
            d for c in connections for d in c.destinations.filter(removed_at__isnull=True)
        ],
        "pending": publication_pending_count(user=request.user, platform=platform),
    }
    return render(request, "platforms/disconnect_confirm.html", context)


class PlatformDisconnectApi(APIView):
    @extend_schema(
        summary="Отключить платформу (все подключения к ней)",
        description=(
            "Стирает токены всех подключений к платформе, удаляет их места публикации и "
            "отменяет запланированные и ожидающие публикации туда."
        ),
        parameters=[PLATFORM_PARAM],
        responses={200: DisconnectResultSerializer, 404: DetailSerializer},
        tags=["platforms"],
    )
    def delete(self, request: Request, platform: str) -> Response:
        try:
            cancelled = connection_disconnect(user=request.user, platform=platform_or_404(platform))
        except PlatformConnection.DoesNotExist:
            raise Http404 from None
        return Response({"cancelled_publications": cancelled})
