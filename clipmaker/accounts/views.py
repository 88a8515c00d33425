"""«Настройки → Безопасность»: the user's API tokens (create, list, revoke) and password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clipmaker.accounts import services, tokens

SECURITY_URL = "security"


def _page(
    request: HttpRequest,
    *,
    form: PasswordChangeForm | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> HttpResponse:
    listed = [
        {"id": tokens.token_short_id(t), "created": t.created, "expiry": t.expiry}
        for t in tokens.api_token_list(user=request.user)  # type: ignore[arg-type]
    ]
    context = {
        "tokens": listed,
        "new_token": new_token,
        "form": form or PasswordChangeForm(user=request.user),
    }
    return render(request, "accounts/security.html", context, status=status)


@login_required
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    return _page(request)


@never_cache
@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """The new token is shown in this answer only (never stored, never shown again)."""
    _, token = tokens.api_token_create(user=request.user)  # type: ignore[arg-type]
    return _page(request, new_token=token, status=201)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    if tokens.api_token_revoke(user=request.user, token_id=token_id):  # type: ignore[arg-type]
        messages.success(request, "Токен отозван: запросы с ним больше не пройдут.")
    else:
        messages.error(request, "Такого токена нет: возможно, он уже отозван или истёк.")
    return redirect(SECURITY_URL)


@login_required
@require_POST
def token_revoke_all(request: HttpRequest) -> HttpResponse:
    count = tokens.api_token_revoke_all(user=request.user, reason="user")  # type: ignore[arg-type]
    messages.success(request, f"Отозвано токенов: {count}.")
    return redirect(SECURITY_URL)


@login_required
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(user=request.user, data=request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    user = form.save()  # User.save revokes every API token of the user
    update_session_auth_hash(request, user)
    messages.success(request, "Пароль изменён. Все API-токены отозваны: создайте новые.")
    return redirect(SECURITY_URL)


@login_required
def time_zone_change(request: HttpRequest) -> HttpResponse:
    """«Часовой пояс»: how every time is shown and how a typed time is read."""
    user = request.user
    error = ""
    if request.method == "POST":
        try:
            changed = services.user_time_zone_set(
                user=user,  # type: ignore[arg-type]
                time_zone=request.POST.get("time_zone", ""),
            )
        except services.TimeZoneInvalid as exc:
            error = str(exc)
        else:
            if changed:
                messages.success(request, "Часовой пояс сохранён: время показано в нём.")
            return redirect("time-zone")
    context = {
        "zones": services.RUSSIAN_TIME_ZONES,
        "current": user.time_zone,  # type: ignore[union-attr]
        "known": {name for name, _ in services.RUSSIAN_TIME_ZONES},
        "error": error,
    }
    return render(request, "accounts/time_zone.html", context, status=400 if error else 200)
