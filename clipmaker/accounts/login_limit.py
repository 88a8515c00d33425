"""Failed logins lock out (django-axes), on every login: the site, the API token and the admin.

Failures are counted per client address and, separately, per username: a guessed staff password
locks that account wherever the guesses come from, and one address cannot try many accounts.
After ``AXES_FAILURE_LIMIT`` failures the address or the username waits ``AXES_COOLOFF_TIME``
(even the right password is refused meanwhile). Staff lift a lockout in the admin («Попытки
входа»: delete the row) or with ``manage.py axes_reset_username <name>`` / ``axes_reset_ip``.
Each lockout is logged as the ``login_locked_out`` event.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from clipmaker.logging import log_event


class LoginLimitBackend(AxesStandaloneBackend):
    """Axes' check, for every authenticate() that comes with a request (all HTTP logins).

    Code that authenticates without a request (the test client, a shell) is not an HTTP login:
    there is no address to count, so the check is skipped instead of failing."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def lockout_message(request: HttpRequest) -> str:
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    wait = f"Попробуйте через {minutes} мин" if minutes else "Обратитесь в поддержку"
    return (
        "Слишком много неудачных попыток входа для этого имени или с этого адреса: вход "
        f"временно заблокирован. {wait} или восстановите пароль через поддержку."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """What a locked-out login answers (429): JSON for the API, the login form otherwise."""
    message = lockout_message(request)
    cool_off = get_cool_off(request)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message},
            status=429,
            headers={"Retry-After": str(int(cool_off.total_seconds()) if cool_off else 900)},
            json_dumps_params={"ensure_ascii": False},
        )
    if request.path.startswith("/admin/"):
        from django.contrib import admin

        context = {
            **admin.site.each_context(request),
            "title": "Вход",
            "app_path": request.get_full_path(),
            "lockout": message,
        }
        return render(request, "admin/login_locked.html", context, status=429)
    return render(request, "registration/login.html", {"throttled": message}, status=429)


def log_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str, **_: Any
) -> None:
    log_event(
        "login_locked_out",
        username=username or get_client_username(request) or "",
        ip_address=ip_address or get_client_ip_address(request) or "",
        path=request.path if request is not None else "",
    )
