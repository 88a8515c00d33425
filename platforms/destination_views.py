"""Settings pages for one connection's places (destinations): choosing the communities VK
lists, adding a channel to a Telegram bot, checking, renaming and enabling a place, checking a
connection. Thin views over ``platforms.destinations`` and ``platforms.destination_flows``;
disabling and removing (which cancel publications) are ``publishing.destination_views``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from clipmaker.throttling import throttle_wait
from platforms import destination_flows, selectors, services
from platforms.api import CHECK_SCOPE, check_throttled_message
from platforms.destinations import (
    DestinationRejected,
    destination_enable,
    destination_limit_message,
    destination_rename,
    destination_set_mode,
)
from platforms.forms import destination_form_class
from platforms.models import Destination, PlatformConnection
from platforms.providers import platform_label, provider_class

SETTINGS_URL = "platforms:settings"


def _connection(request: HttpRequest, connection_id: Any) -> PlatformConnection:
    connection = selectors.connection_get_by_id(user=request.user, connection_id=connection_id)
    if connection is None:
        raise Http404("Подключение не найдено")
    return connection


def _destination(request: HttpRequest, destination_id: int) -> Destination:
    destination = selectors.destination_get(user=request.user, destination_id=destination_id)
    if destination is None:
        raise Http404("Место публикации не найдено")
    return destination


def _sandbox_issues_places(platform: str) -> bool:
    if not settings.PLATFORM_SANDBOX:
        return False
    from platforms.sandbox.registry import sandbox

    return sandbox(platform).issue_place is not None


def _places_page(
    request: HttpRequest,
    connection: PlatformConnection,
    *,
    form: Any = None,
    sandbox_values: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The connection's places: those added, those the platform offers, a form for a place
    added by hand (platforms that take one)."""
    cls = provider_class(connection.platform)
    options: list[destination_flows.PlaceOption] = []
    error = ""
    if cls.lists_destinations:
        try:
            options = destination_flows.destination_places(connection=connection)
        except DestinationRejected as exc:
            error = exc.message
    added = list(selectors.destination_list(user=request.user).filter(connection=connection))
    form_class = destination_form_class(connection.platform)
    if form is None and form_class is not None:
        form = form_class(initial=sandbox_values or None)
    context = {
        "connection": connection,
        "label": platform_label(connection.platform),
        "added": added,
        "offered": [o for o in options if not o.added],
        "places_error": error,
        "form": form,
        "lists": cls.lists_destinations,
        "slots_left": selectors.destination_slots_left(user=request.user),
        "limit": request.user.destinations_allowed,  # type: ignore[union-attr]
        "steps": cls.destination_steps(connection.account_name),
        "action": cls.destination_action,
        "sandbox_on": _sandbox_issues_places(connection.platform),
        "sandbox_values": sandbox_values,
    }
    return render(request, "platforms/places.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def connection_places(request: HttpRequest, connection_id: Any) -> HttpResponse:
    """GET: the places page. POST: add the places ticked (``place`` = their platform ids)."""
    connection = _connection(request, connection_id)
    if request.method == "GET":
        return _places_page(request, connection)
    try:
        added = destination_flows.destination_add_listed(
            connection=connection, external_ids=request.POST.getlist("place")
        )
    except DestinationRejected as exc:
        messages.error(request, exc.message)
        return redirect("platforms:places", connection_id=connection.pk)
    names = ", ".join(f"«{d.display_name}»" for d in added)
    messages.success(
        request, f"Добавлено мест: {len(added)} ({names}). Теперь они есть в публикации."
    )
    return redirect(SETTINGS_URL)


@login_required
@require_POST
def connection_place_add(request: HttpRequest, connection_id: Any) -> HttpResponse:
    """A place named by hand (a Telegram channel), checked with the platform before saving."""
    connection = _connection(request, connection_id)
    form_class = destination_form_class(connection.platform)
    if form_class is None:
        raise Http404("Места этой платформы выбираются из списка")
    form = form_class(request.POST)
    if not form.is_valid():
        return _places_page(request, connection, form=form, status=400)
    wait = throttle_wait(request, CHECK_SCOPE)
    if wait is not None:
        form.add_error(None, check_throttled_message(wait))
        return _places_page(request, connection, form=form, status=429)
    try:
        destination = destination_flows.destination_add_manual(
            connection=connection, values=form.cleaned_data
        )
    except DestinationRejected as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _places_page(request, connection, form=form, status=400)
    messages.success(request, f"Добавлено: {destination.label}.")
    return redirect(SETTINGS_URL)


@login_required
@require_POST
def connection_sandbox_place(request: HttpRequest, connection_id: Any) -> HttpResponse:
    """With the sandbox on: create a test place for this connection's account (a channel where
    the bot is an admin) and fill the form with it; nothing is saved here."""
    connection = _connection(request, connection_id)
    if not _sandbox_issues_places(connection.platform):
        raise Http404("Песочница выключена")
    from platforms.sandbox.registry import sandbox

    issue = sandbox(connection.platform).issue_place
    assert issue is not None
    values = {str(k): str(v) for k, v in issue(dict(connection.extra)).items()}
    return _places_page(request, connection, sandbox_values=values)


@login_required
@require_POST
def connection_test_view(request: HttpRequest, connection_id: Any) -> HttpResponse:
    connection = _connection(request, connection_id)
    wait = throttle_wait(request, CHECK_SCOPE)
    if wait is not None:
        messages.error(request, check_throttled_message(wait))
        return redirect(SETTINGS_URL)
    ok, detail = services.connection_test(connection=connection)
    (messages.success if ok else messages.error)(request, detail)
    return redirect(SETTINGS_URL)


@login_required
@require_POST
def destination_test_view(request: HttpRequest, destination_id: int) -> HttpResponse:
    destination = _destination(request, destination_id)
    wait = throttle_wait(request, CHECK_SCOPE)
    if wait is not None:
        messages.error(request, check_throttled_message(wait))
        return redirect(SETTINGS_URL)
    ok, detail = destination_flows.destination_test(destination=destination)
    (messages.success if ok else messages.error)(request, detail)
    return redirect(SETTINGS_URL)


@login_required
@require_POST
def destination_rename_view(request: HttpRequest, destination_id: int) -> HttpResponse:
    destination = _destination(request, destination_id)
    try:
        destination = destination_rename(destination=destination, name=request.POST.get("name", ""))
    except DestinationRejected as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Название сохранено: {destination.label}.")
    return redirect(SETTINGS_URL)


@login_required
@require_POST
def destination_mode_view(request: HttpRequest, destination_id: int) -> HttpResponse:
    destination = _destination(request, destination_id)
    try:
        destination = destination_set_mode(
            destination=destination,
            mode=request.POST.get("mode", ""),
            wallpost=request.POST.get("wallpost") == "on",
        )
    except DestinationRejected as exc:
        messages.error(request, exc.message)
    else:
        chosen = next(label for _m, label, on in destination.mode_choices if on)
        wall = "с записью на стене" if destination.wallpost else "без записи на стене"
        messages.success(request, f"{destination.label}: по умолчанию {chosen.lower()}, {wall}.")
    return redirect(SETTINGS_URL)


@login_required
@require_POST
def destination_enable_view(request: HttpRequest, destination_id: int) -> HttpResponse:
    destination = destination_enable(destination=_destination(request, destination_id))
    messages.success(request, f"Место «{destination.display_name}» снова доступно для публикации.")
    return redirect(SETTINGS_URL)


def after_connect(request: HttpRequest, connection: PlatformConnection) -> HttpResponse:
    """Where a completed connect lands: the places page when the platform offers places to
    choose (VK's communities), else the settings page; says when the plan had no slot left."""
    placed = connection.destinations.filter(removed_at__isnull=True).exists()
    if not placed and selectors.destination_slots_left(user=request.user) <= 0:
        messages.warning(request, destination_limit_message(request.user))
    if provider_class(connection.platform).lists_destinations:
        return redirect("platforms:places", connection_id=connection.pk)
    return redirect(SETTINGS_URL)
