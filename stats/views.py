"""The clip page's stats panel alone: what the page polls to keep totals and chart fresh."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from publishing import selectors as publishing_selectors
from stats.selectors import clip_stats_panel


def _user_tz(user: Any) -> ZoneInfo:
    # The same rule as the clip pages: the user's zone, else the site's.
    try:
        return ZoneInfo(getattr(user, "time_zone", "") or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


@login_required
@require_GET
def clip_stats(request: HttpRequest, clip_id: int) -> HttpResponse:
    clip = publishing_selectors.clip_page_get(user=request.user, clip_id=clip_id)
    if clip is None:
        raise Http404("Клип не найден")
    tz = _user_tz(request.user)
    panel = clip_stats_panel(clip=clip, publications=list(clip.publications.all()), tz=tz)
    with timezone.override(tz):
        return render(request, "stats/_clip_stats_panel.html", {"panel": panel})
