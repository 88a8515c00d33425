"""``GET /api/v1/publications/{id}/stats/``: the history, oldest first, paginated by ``since``.

A snapshot exists for each moment a figure changed (retention keeps every point for 48 hours,
one per hour for 30 days, one per day after), so a page of ``limit`` points (500, at most 1000)
may span anything from minutes to months; ``next_since`` continues it.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from publishing.models import Publication
from stats.selectors import (
    HISTORY_PAGE,
    HISTORY_PAGE_MAX,
    publication_history_page,
    supports_stats,
)
from stats.serializers import StatsHistorySerializer

HISTORY_PARAMETERS = [
    OpenApiParameter(
        "since",
        OpenApiTypes.DATETIME,
        description="Только точки после этого момента (ISO 8601); возьмите next_since прошлой "
        "страницы.",
    ),
    OpenApiParameter(
        "limit",
        OpenApiTypes.INT,
        description=f"Точек на странице: по умолчанию {HISTORY_PAGE}, не больше {HISTORY_PAGE_MAX}.",
    ),
]
SINCE_ERROR = "Укажите время в формате ISO 8601, например 2030-01-01T12:00:00+03:00."
LIMIT_ERROR = f"Укажите число от 1 до {HISTORY_PAGE_MAX}."


def _since(value: str | None) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        moment = parse_datetime(value.replace(" ", "+"))  # a "+" arrives as a space unescaped
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError({"since": [SINCE_ERROR]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _limit(value: str | None) -> int:
    if value is None or value == "":
        return HISTORY_PAGE
    if not value.isdigit() or not 1 <= int(value) <= HISTORY_PAGE_MAX:
        raise ValidationError({"limit": [LIMIT_ERROR]})
    return int(value)


def publication_stats_history(request: Request, publication: Publication) -> Response:
    since = _since(request.query_params.get("since"))
    limit = _limit(request.query_params.get("limit"))
    if not supports_stats(publication.platform):
        data = {"available": False, "history": [], "next_since": None}
    else:
        page = publication_history_page(publication=publication, since=since, limit=limit)
        data = {"available": True, "history": page.points, "next_since": page.next_since}
    return Response(StatsHistorySerializer(data).data)
