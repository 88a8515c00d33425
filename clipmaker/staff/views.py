"""The staff overview page: read-only figures, links to the admin for any action — and one
action of its own, lifting a user's connect limit (support needs it while the user waits)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clipmaker.accounts.models import User
from clipmaker.staff.selectors import (
    BEAT_LIMIT_SECONDS,
    LAG_LIMIT_SECONDS,
    QUEUE_LIMIT,
    SUCCESS_CRITICAL,
    SUCCESS_MIN_SAMPLE,
    SUCCESS_WARNING,
    staff_overview,
)
from platforms.connect_limit import connect_limit_reset, connect_limits_reached, connect_rate
from platforms.providers import is_platform, platform_label


def _staff_only(request: HttpRequest) -> None:
    # Anyone but staff gets the same 404 as a page that does not exist.
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise Http404


@never_cache
def overview(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
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
            "connect_limit": {"limit": connect_rate()[0], "reached": connect_limits_reached()},
        },
    )


@require_POST
def connect_limit_reset_view(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    user = User.objects.filter(pk=request.POST.get("user_id") or 0).first()
    platform = request.POST.get("platform") or ""
    if user is None or not is_platform(platform):
        raise Http404
    connect_limit_reset(user=user, platform=platform)
    messages.success(
        request,
        f"Лимит подключений {platform_label(platform)} для {user.username} сброшен.",
    )
    return redirect("staff:overview")
