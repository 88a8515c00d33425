"""Notification pages: the list (mark one or all read) and «Настройки → Уведомления»."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clipmaker.notifications import selectors, services
from clipmaker.notifications.forms import NotificationPreferenceForm
from publishing.presenters import render_in_user_zone

PER_PAGE = 30


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notification_list(user=request.user), PER_PAGE).get_page(  # type: ignore[arg-type]
        request.GET.get("page")
    )
    return render_in_user_zone(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read; «Открыть» goes on to where the notification points."""
    notification = selectors.notification_get(user=request.user, notification_id=notification_id)  # type: ignore[arg-type]
    if notification is None:
        raise Http404("Уведомление не найдено")
    services.notification_mark_read(notification=notification)
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notification-list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.notification_mark_all_read(user=request.user)  # type: ignore[arg-type]
    if marked:
        messages.success(request, "Все уведомления отмечены прочитанными.")
    return redirect("notification-list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    prefs = services.notification_preferences_get(user=request.user)  # type: ignore[arg-type]
    form = NotificationPreferenceForm(
        request.POST or None,
        initial={
            "in_app": prefs.in_app,
            "email": prefs.email,
            "address": request.user.email,  # type: ignore[union-attr]
        },
    )
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_update(
            user=request.user,  # type: ignore[arg-type]
            in_app=form.cleaned_data["in_app"],
            email=form.cleaned_data["email"],
            address=form.cleaned_data["address"],
        )
        messages.success(request, "Настройки уведомлений сохранены.")
        return redirect("notification-settings")
    return render_in_user_zone(
        request,
        "notifications/settings.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )
