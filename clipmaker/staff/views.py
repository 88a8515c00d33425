"""The staff overview page: read-only figures, links to the admin for any action."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from clipmaker.staff.selectors import (
    BEAT_LIMIT_SECONDS,
    LAG_LIMIT_SECONDS,
    QUEUE_LIMIT,
    SUCCESS_CRITICAL,
    SUCCESS_MIN_SAMPLE,
    SUCCESS_WARNING,
    staff_overview,
)


@never_cache
def overview(request: HttpRequest) -> HttpResponse:
    # Anyone but staff gets the same 404 as a page that does not exist.
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise Http404
    return render(
        request,
        "staff/overview.html",
        {
            "overview": staff_overview(),
            "thresholds": {
                "success_warning": int(SUCCESS_WARNING * 100),
                "success_critical": int(SUCCESS_CRITICAL * 100),
                "success_min_sample": SUCCESS_MIN_SAMPLE,
                "queue": QUEUE_LIMIT,
                "lag": LAG_LIMIT_SECONDS,
                "beat": BEAT_LIMIT_SECONDS,
            },
        },
    )
