"""Server-rendered platform settings pages and the OAuth callbacks; thin over the services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clipmaker.throttling import throttle_wait
from platforms import selectors, services
from platforms.api import (
    CHECK_SCOPE,
    check_throttled_message,
    connect_throttle_wait,
    connect_throttled_message,
)
from platforms.constants import OAUTH_PLATFORMS, TOKEN_PLATFORMS, Platform, agree
from platforms.forms import TOKEN_FORMS
from platforms.models import PlatformConnection

SETTINGS_URL = "platforms:settings"


def _connected_message(platform: str, account_name: str) -> str:
    """«VK Клипы подключены как Анна.», or without a name the platform did not give."""
    label = Platform(platform).label
    connected = f"{label} {agree(platform, 'подключён', 'подключены')}"
    if account_name and account_name != label:
        return f"{connected} как {account_name}."
    return f"{connected}."


def _platform_or_404(platform: str) -> str:
    if platform not in Platform.values:
        raise Http404("Неизвестная платформа")
    return platform


@login_required
@require_GET
def platform_settings(request: HttpRequest) -> HttpResponse:
    states = selectors.platform_state_list(user=request.user)
    return render(
        request,
        "platforms/settings.html",
        {
            "states": states,
            "plan": request.user.plan,  # type: ignore[union-attr]
            "plan_label": request.user.get_plan_display(),  # type: ignore[union-attr]
            "any_allowed": any(s.allowed_by_plan for s in states),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def platform_connect(request: HttpRequest, platform: str) -> HttpResponse:
    platform = _platform_or_404(platform)
    if platform in OAUTH_PLATFORMS:
        if request.method != "POST":
            return redirect(SETTINGS_URL)
        wait = connect_throttle_wait(request)
        if wait is not None:
            messages.error(request, connect_throttled_message(wait))
            return redirect(SETTINGS_URL)
        try:
            url = services.connection_oauth_start(user=request.user, platform=platform)
        except services.ConnectionRejected as exc:
            messages.error(request, exc.message)
            return redirect(SETTINGS_URL)
        return redirect(url)

    form_class = TOKEN_FORMS[platform]
    state = selectors.platform_state_get(user=request.user, platform=platform)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = connect_throttle_wait(request)
        if wait is not None:
            form.add_error(None, connect_throttled_message(wait))
        else:
            try:
                conn = services.connection_connect_token(
                    user=request.user,
                    platform=platform,
                    token=form.cleaned_data["token"],
                    chat_id=form.cleaned_data.get("chat_id"),
                )
            except services.ConnectionRejected as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
            else:
                messages.success(request, _connected_message(platform, conn.account_name))
                return redirect(SETTINGS_URL)
    return _connect_token_page(request, form=form, state=state, platform=platform)


def _connect_token_page(
    request: HttpRequest,
    *,
    form: Any,
    state: Any,
    platform: str,
    sandbox_credentials: dict[str, str] | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "state": state,
        "platform": platform,
        "label": Platform(platform).label,
        "sandbox_on": settings.PLATFORM_SANDBOX,
        "sandbox_credentials": sandbox_credentials,
    }
    return render(request, "platforms/connect_token.html", context)


@login_required
@require_POST
def platform_sandbox_credentials(request: HttpRequest, platform: str) -> HttpResponse:
    """With the sandbox on: issue a test Rutube token or Telegram bot + channel to connect with.

    The user then connects through the ordinary form (the token is verified with the sandbox
    over HTTP like a real one); nothing is stored here.
    """
    platform = _platform_or_404(platform)
    if not settings.PLATFORM_SANDBOX or platform not in TOKEN_FORMS:
        raise Http404("Песочница выключена")
    from platforms.sandbox import control

    issued = control.issue_credentials(platform, account_name=request.user.get_username())
    credentials = {"token": issued["token"]}
    if platform == Platform.TELEGRAM:
        credentials["chat_id"] = str(issued["chat_id"])
    form = TOKEN_FORMS[platform](initial=credentials)
    state = selectors.platform_state_get(user=request.user, platform=platform)
    return _connect_token_page(
        request, form=form, state=state, platform=platform, sandbox_credentials=credentials
    )


@login_required
@require_POST
def platform_test(request: HttpRequest, platform: str) -> HttpResponse:
    platform = _platform_or_404(platform)
    conn = selectors.connection_get(user=request.user, platform=platform)
    if conn is None:
        raise Http404("Платформа не подключена")
    wait = throttle_wait(request, CHECK_SCOPE)
    if wait is not None:
        messages.error(request, check_throttled_message(wait))
        return redirect(SETTINGS_URL)
    ok, detail = services.connection_test(connection=conn)
    (messages.success if ok else messages.error)(request, detail)
    return redirect(SETTINGS_URL)


@login_required
@require_http_methods(["GET", "POST"])
def platform_disconnect(request: HttpRequest, platform: str) -> HttpResponse:
    platform = _platform_or_404(platform)
    label = Platform(platform).label
    conn = selectors.connection_get(user=request.user, platform=platform)
    if conn is None:
        raise Http404("Платформа не подключена")
    if request.method == "POST":
        try:
            cancelled = services.connection_disconnect(user=request.user, platform=platform)
        except PlatformConnection.DoesNotExist:
            raise Http404("Платформа не подключена") from None
        text = f"{label} {agree(platform, 'отключён', 'отключены')}."
        if cancelled:
            text += f" Отменено запланированных публикаций: {cancelled}."
        messages.success(request, text)
        return redirect(SETTINGS_URL)
    from publishing.selectors import publication_pending_count

    context: dict[str, Any] = {
        "connection": conn,
        "label": label,
        "platform": platform,
        "pending": publication_pending_count(user=request.user, platform=platform),
    }
    return render(request, "platforms/disconnect_confirm.html", context)


@login_required
@require_GET
def oauth_callback(request: HttpRequest, platform: str) -> HttpResponse:
    """Where VK ID and Yandex send the browser back; always ends on the settings page."""
    if platform not in OAUTH_PLATFORMS or platform in TOKEN_PLATFORMS:
        raise Http404("Неизвестная платформа")
    try:
        conn = services.connection_oauth_complete(
            user=request.user, platform=platform, params=request.GET
        )
    except services.ConnectionRejected as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _connected_message(platform, conn.account_name))
    return redirect(SETTINGS_URL)
