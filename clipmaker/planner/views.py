"""The calendar page and moving a scheduled publication from it (drag and drop or a form).

Thin: reads from ``clipmaker.planner.selectors``, the move through
``publishing.services.publication_reschedule``; every time in the user's time zone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from clipmaker.accounts.models import User
from clipmaker.planner import presenters
from clipmaker.planner.forms import RescheduleForm
from clipmaker.planner.selectors import calendar_publications
from publishing import selectors
from publishing.models import Publication
from publishing.presenters import render_in_user_zone, user_time_zone
from publishing.services import (
    PublicationStateError,
    PublicationValidationError,
    publication_reschedule,
)


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind ``login_required``)."""
    assert isinstance(request.user, User)
    return request.user


def _anchor(raw: str | None, today: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else today
    except ValueError:
        return today


@login_required
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    tz = user_time_zone(request.user)
    now = timezone.now()
    today = timezone.localdate(now, tz)
    view = request.GET.get("view") or "week"
    if view not in presenters.VIEWS:
        view = "week"
    period = presenters.period_for(view, _anchor(request.GET.get("date"), today))
    start, end = period.bounds(tz)
    with timezone.override(tz):
        publications = calendar_publications(user=_user(request), start=start, end=end)
        days = presenters.days_of(period, publications, now=now)
    context: dict[str, Any] = {
        "period": period,
        "view": view,
        "explicit_view": "view" in request.GET,
        "days": days,
        "weeks": presenters.weeks_of(days),
        "weekdays": presenters.WEEKDAYS,
        "legend": presenters.legend(),
        "today": today,
        "list_days": [d for d in days if d.entries],
        "empty": not any(d.entries for d in days),
        "here": request.get_full_path(),
    }
    return render_in_user_zone(request, "planner/calendar.html", context)


def _get_publication(request: HttpRequest, publication_id: int) -> Publication:
    publication = selectors.publication_get(user=_user(request), publication_id=publication_id)
    if publication is None:
        raise Http404("Публикация не найдена")
    return publication


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("calendar")


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@login_required
@require_http_methods(["GET", "POST"])
def publication_move(request: HttpRequest, publication_id: int) -> HttpResponse:
    """GET: the form with the current time; POST: move it (a drop on the calendar posts here
    too and gets JSON back)."""
    publication = _get_publication(request, publication_id)
    tz = user_time_zone(request.user)
    status = 200
    errors: list[str] = []
    if request.method == "POST":
        form = RescheduleForm(request.POST, tz=tz)
        if form.is_valid():
            try:
                publication = publication_reschedule(
                    publication=publication, scheduled_at=form.cleaned_data["scheduled_at"]
                )
            except PublicationStateError as exc:
                errors, status = [exc.message], 409
            except PublicationValidationError as exc:
                errors, status = [m for msgs in exc.errors.values() for m in msgs], 400
            else:
                assert publication.scheduled_at is not None
                when = timezone.localtime(publication.scheduled_at, tz)
                text = (
                    f"Публикация «{publication.clip.title}» в {publication.destination.label} "
                    f"перенесена на {when:%d.%m.%Y %H:%M}."
                )
                # Shown after the drop's reload as after the form.
                messages.success(request, text)
                if _wants_json(request):
                    return JsonResponse({"ok": True, "message": text})
                return redirect(_back(request))
        else:
            errors, status = [str(m) for msgs in form.errors.values() for m in msgs], 400
        if _wants_json(request):
            return JsonResponse({"ok": False, "errors": errors}, status=status)
    else:
        current = (
            timezone.localtime(publication.scheduled_at, tz).strftime("%Y-%m-%dT%H:%M")
            if publication.scheduled_at
            else ""
        )
        form = RescheduleForm(initial={"scheduled_at": current}, tz=tz)
    return render_in_user_zone(
        request,
        "planner/move.html",
        {
            "publication": publication,
            "form": form,
            "next": _back(request),
            "min_schedule": timezone.localtime(timezone.now(), tz).strftime("%Y-%m-%dT%H:%M"),
            "errors": errors,
        },
        status=status,
    )
