"""Server-rendered platform settings pages and the OAuth callbacks; thin over the services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clipmaker.throttling import throttle_wait
from platforms import connect, selectors, services
from platforms.api import (
    CHECK_SCOPE,
    check_throttled_message,
    connect_throttle_wait,
    connect_throttled_message,
)
from platforms.destination_views import after_connect
from platforms.forms import connect_form_class
from platforms.providers import get_provider, is_platform, platform_label, provider_class

SETTINGS_URL = "platforms:settings"


def _connected_message(platform: str, account_name: str) -> str:
    """«Telegram подключён как Анна.», or without a name the platform did not give."""
    label = platform_label(platform)
    if account_name and account_name != label:
        return f"{label} подключён как {account_name}."
    return f"{label} подключён."


def _platform_or_404(platform: str) -> str:
    if not is_platform(platform):
        raise Http404("Неизвестная платформа")
    return platform


@login_required
@require_GET
def platform_settings(request: HttpRequest) -> HttpResponse:
    groups = selectors.platform_groups(user=request.user)
    limit = request.user.destinations_allowed  # type: ignore[union-attr]
    return render(
        request,
        "platforms/settings.html",
        {
            "groups": groups,
            "plan": request.user.plan,  # type: ignore[union-attr]
            "plan_label": request.user.get_plan_display(),  # type: ignore[union-attr]
            "any_allowed": any(g.allowed_by_plan for g in groups),
            "destination_limit": limit,
            "destinations_used": limit - selectors.destination_slots_left(user=request.user),
            "sandbox_on": settings.PLATFORM_SANDBOX,
            "expiry_warnings": selectors.connection_expiry_warnings(user=request.user),
        },
    )


def expiry_notice(conn: Any) -> str:
    """What a user who just connected with an expiring token is told."""
    label = platform_label(conn.platform)
    until = date_format(timezone.localtime(conn.expires_at), "j E Y, H:i")
    return (
        f"Токен {label} действует до {until}. Продлить его КлипМейкер не может: в последние "
        f"сутки срока на страницах «Платформы» и клипов будет предупреждение — до конца срока "
        f"получите новый токен и подключите {label} заново."
    )


@login_required
@require_http_methods(["GET", "POST"])
def platform_connect(request: HttpRequest, platform: str) -> HttpResponse:
    """Token platforms: the connect form. OAuth platforms: a POST starts the OAuth flow; VK
    also has a page (GET) for a token the person made, whose form posts ``method=token``."""
    platform = _platform_or_404(platform)
    cls = provider_class(platform)
    wants_token = request.POST.get("method") == "token"
    if cls.uses_oauth and request.method == "POST" and not wants_token:
        wait = connect_throttle_wait(request)
        if wait is not None:
            messages.error(request, connect_throttled_message(wait))
            return redirect(SETTINGS_URL)
        try:
            url = connect.connection_oauth_start(user=request.user, platform=platform)
        except connect.ConnectionRejected as exc:
            messages.error(request, exc.message)
            return redirect(SETTINGS_URL)
        return redirect(url)
    if not cls.connect_fields:
        return redirect(SETTINGS_URL)

    form_class = connect_form_class(platform)
    state = selectors.platform_state_get(user=request.user, platform=platform)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = connect_throttle_wait(request)
        if wait is not None:
            form.add_error(None, connect_throttled_message(wait))
        else:
            try:
                conn = connect.connection_connect_token(
                    user=request.user, platform=platform, values=form.cleaned_data
                )
            except connect.ConnectionRejected as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
            else:
                messages.success(request, _connected_message(platform, conn.account_name))
                if conn.expires_at is not None:
                    messages.warning(request, expiry_notice(conn))
                return after_connect(request, conn)
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
        "label": platform_label(platform),
        "sandbox_on": settings.PLATFORM_SANDBOX,
        "sandbox_credentials": sandbox_credentials,
        "uses_oauth": provider_class(platform).uses_oauth,
        **_token_help(request, platform),
    }
    return render(request, "platforms/connect_token.html", context)


def _token_help(request: HttpRequest, platform: str) -> dict[str, Any]:
    """VK: the link that gives the user a token (for the installation's app, or for the app
    id the user typed in), and whether VK ID sign-in is also offered."""
    provider = get_provider(platform)
    if not provider.uses_oauth or not hasattr(provider, "token_link"):
        return {}
    typed = request.GET.get("app_id", "").strip()
    app_id = typed if typed.isdigit() else provider.token_client_id()
    return {
        "token_link": provider.token_link(app_id) if app_id else "",
        "token_app_id": app_id,
        "token_app_id_invalid": bool(typed) and not typed.isdigit(),
        "oauth_offered": bool(provider.client_id()),
        "token_redirect": provider.token_redirect(),
    }


@login_required
@require_POST
def platform_sandbox_credentials(request: HttpRequest, platform: str) -> HttpResponse:
    """With the sandbox on: issue test credentials (a token, a bot + channel) to connect with.

    The user then connects through the ordinary form (the token is verified with the sandbox
    over HTTP like a real one); nothing is stored here.
    """
    platform = _platform_or_404(platform)
    if not settings.PLATFORM_SANDBOX or provider_class(platform).uses_oauth:
        # OAuth platforms that take a pasted token get it from the sandbox's own token page.
        raise Http404("Песочница выключена")
    from platforms.sandbox import control

    issued = control.issue_credentials(platform, account_name=request.user.get_username())
    credentials = {
        spec.name: str(issued[spec.name])
        for spec in provider_class(platform).connect_fields
        if spec.name in issued
    }
    form = connect_form_class(platform)(initial=credentials)
    state = selectors.platform_state_get(user=request.user, platform=platform)
    return _connect_token_page(
        request, form=form, state=state, platform=platform, sandbox_credentials=credentials
    )


@login_required
@require_POST
def platform_test(request: HttpRequest, platform: str) -> HttpResponse:
    platform = _platform_or_404(platform)
    connections = list(selectors.connection_list(user=request.user, platform=platform))
    if not connections:
        raise Http404("Платформа не подключена")
    wait = throttle_wait(request, CHECK_SCOPE)
    if wait is not None:
        messages.error(request, check_throttled_message(wait))
        return redirect(SETTINGS_URL)
    for conn in connections:
        ok, detail = services.connection_test(connection=conn)
        (messages.success if ok else messages.error)(request, detail)
    return redirect(SETTINGS_URL)


@login_required
@require_GET
def oauth_callback(request: HttpRequest, platform: str) -> HttpResponse:
    """Where VK ID and Yandex send the browser back; always ends on the settings page."""
    if not is_platform(platform) or not provider_class(platform).uses_oauth:
        raise Http404("Неизвестная платформа")
    try:
        conn = connect.connection_oauth_complete(
            user=request.user, platform=platform, params=request.GET
        )
    except connect.ConnectionRejected as exc:
        messages.error(request, exc.message)
        return redirect(SETTINGS_URL)
    messages.success(request, _connected_message(platform, conn.account_name))
    return after_connect(request, conn)
