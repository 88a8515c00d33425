"""The sandbox's OAuth authorization server, shared by the platforms that sign in with one
(VK ID in ``vk.py``, Yandex OAuth in ``dzen.py``: each declares an ``OAuthServer`` and mounts
``authorize_view`` / ``token_view`` for it).

Authorization code flow with PKCE S256: an approve page (a real HTML form with «Разрешить» and
«Отказать») redirects back to ``redirect_uri`` with ``code`` and ``state`` (VK also
``device_id``, ``expires_in``), or ``error=access_denied``. The token endpoint checks the
verifier against the challenge, the client, the redirect URI and that the code is used once;
access tokens live ``SANDBOX_TOKEN_TTL_SECONDS``; refresh tokens rotate: a used one is refused
with ``invalid_grant``. Any non-empty client id / secret is accepted.

The approve page is here; the token endpoint is ``oauth_token``, what both share
``oauth_server`` (both re-exported).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import Context, Engine

from platforms.sandbox.endpoint import endpoint
from platforms.sandbox.oauth_server import _VERIFIER_RE as _VERIFIER_RE
from platforms.sandbox.oauth_server import CODE_TTL_SECONDS as CODE_TTL_SECONDS
from platforms.sandbox.oauth_server import REFRESH_TTL_SECONDS as REFRESH_TTL_SECONDS
from platforms.sandbox.oauth_server import OAuthError as OAuthError
from platforms.sandbox.oauth_server import OAuthServer as OAuthServer
from platforms.sandbox.oauth_server import _fault as _fault
from platforms.sandbox.oauth_server import challenge_of as challenge_of
from platforms.sandbox.oauth_token import issue_tokens as issue_tokens
from platforms.sandbox.oauth_token import token_view as token_view
from platforms.sandbox.tokens import (
    CODE,
    mint_token,
)
from platforms.sandbox.wire import BadBody, form_params

# The approve page is rendered by the sandbox's own engine so it does not depend on how the
# project configures templates.
_engine = Engine(dirs=[str(Path(__file__).parent / "templates")], autoescape=True)


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _page(title: str, message: str, status: int) -> HttpResponse:
    html = _engine.get_template("sandbox/oauth_error.html").render(
        Context({"title": title, "message": message})
    )
    return HttpResponse(html, status=status)


def _authorize(server: OAuthServer, request: HttpRequest) -> HttpResponse:
    params = {key: request.GET.get(key, "") for key in request.GET}
    if request.method == "POST":
        try:
            fields, _files = form_params(request)
        except BadBody:
            fields = {}
        params.update(fields)
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    if not client_id:
        return _page(server.title, "Не указан client_id. Проверьте настройки приложения.", 400)
    parts = urlsplit(redirect_uri)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return _page(server.title, "Неверный redirect_uri. Проверьте настройки приложения.", 400)
    state = params.get("state", "")

    def back(**answer: str) -> HttpResponse:
        if state:
            answer["state"] = state
        return HttpResponseRedirect(_with_query(redirect_uri, answer))

    if params.get("response_type") != "code":
        return back(
            error="unsupported_response_type", error_description="response_type must be code"
        )
    if not params.get("code_challenge"):
        return back(error="invalid_request", error_description="code_challenge is required")
    if params.get("code_challenge_method", "").lower() != "s256":
        return back(error="invalid_request", error_description="code_challenge_method must be S256")
    if server.requires_state and not state:
        return back(error="invalid_request", error_description="state is required")
    scope = params.get("scope") or server.default_scope

    if request.method != "POST":
        html = _engine.get_template("sandbox/approve.html").render(
            Context(
                {
                    "server": server,
                    "client_id": client_id,
                    "scope": scope,
                    "redirect_host": parts.netloc,
                    "action": request.path,
                    "hidden": [
                        (key, value)
                        for key, value in params.items()
                        if key not in {"decision", "account_name"}
                    ],
                    "account_name": "Демо-автор",
                }
            )
        )
        return HttpResponse(html)

    if params.get("decision") != "allow":
        return back(error="access_denied", error_description="User denied access")
    name = (params.get("account_name") or "Демо-автор").strip()[:64]
    device_id = secrets.token_urlsafe(16) if server.vk_style else None
    code = mint_token(
        server.key,
        server.account_for(name),
        kind=CODE,
        ttl=CODE_TTL_SECONDS,
        name=name,
        client_id=client_id,
        device_id=device_id,
        extra={"r": redirect_uri, "ch": params["code_challenge"], "s": scope},
    )
    answer = {"code": code}
    if server.vk_style:
        answer.update(
            {"device_id": device_id or "", "expires_in": str(CODE_TTL_SECONDS), "type": "code_v2"}
        )
    return back(**answer)


def authorize_view(server: OAuthServer) -> Callable[[HttpRequest], HttpResponse]:
    """The approve page of ``server`` (journalled and faulted under ``server.key``)."""

    @endpoint(server.key, "authorize", _fault)
    def authorize(request: HttpRequest) -> HttpResponse:
        return _authorize(server, request)

    return authorize


def issue_credentials(server: OAuthServer, *, client_id: str, **params: Any) -> dict[str, Any]:
    """A token set as the token endpoint answers it, plus ``account_id`` and ``account_name``
    (and ``device_id`` for a VK-style server). Params: ``account_name``, ``client_id``,
    ``ttl`` of the access token."""
    name = str(params.get("account_name") or "Демо-автор")
    client = params.get("client_id", client_id) or None
    device_id = secrets.token_urlsafe(16) if server.vk_style else None
    account = server.account_for(name)
    tokens = issue_tokens(
        server,
        account=account,
        name=name,
        client_id=client,
        device_id=device_id,
        scope=server.default_scope,
    )
    if params.get("ttl") is not None:
        ttl = float(params["ttl"])
        tokens["access_token"] = mint_token(server.token_platform, account, ttl=ttl, name=name)
        tokens["expires_in"] = int(ttl)
    tokens.update({"account_id": account, "account_name": name})
    if device_id:
        tokens["device_id"] = device_id
    return tokens


def demo_connection(
    server: OAuthServer, *, client_id: str, name: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The demo user's connection to ``server``'s platform, as connecting would store it."""
    from datetime import timedelta

    from django.utils import timezone

    creds = issue_credentials(server, client_id=client_id, account_name=name)
    kept = {"device_id": creds["device_id"]} if creds.get("device_id") else {}
    return {
        "access_token": creds["access_token"],
        "refresh_token": creds["refresh_token"],
        "expires_at": timezone.now() + timedelta(seconds=int(creds["expires_in"])),
        "account_id": str(creds["account_id"]),
        "account_name": creds["account_name"],
        "extra": {**kept, **(extra or {})},
    }
