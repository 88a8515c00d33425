"""The sandbox's OAuth authorization server, shared by the platforms that sign in with one
(VK ID in ``vk.py``, Yandex OAuth in ``dzen.py``: each declares an ``OAuthServer`` and mounts
``authorize_view`` / ``token_view`` for it).

Authorization code flow with PKCE S256: an approve page (a real HTML form with «Разрешить» and
«Отказать») redirects back to ``redirect_uri`` with ``code`` and ``state`` (VK also
``device_id``, ``expires_in``), or ``error=access_denied``. The token endpoint checks the
verifier against the challenge, the client, the redirect URI and that the code is used once;
access tokens live ``SANDBOX_TOKEN_TTL_SECONDS``; refresh tokens rotate: a used one is refused
with ``invalid_grant``. Any non-empty client id / secret is accepted.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import Context, Engine

from platforms.sandbox.endpoint import endpoint
from platforms.sandbox.faults import Fault
from platforms.sandbox.state import get_store
from platforms.sandbox.tokens import (
    ACCESS,
    CODE,
    ID,
    REFRESH,
    TokenClaims,
    TokenError,
    mint_token,
    token_digest,
    verify_token,
)
from platforms.sandbox.wire import BadBody, form_params, json_response

CODE_TTL_SECONDS = 600
REFRESH_TTL_SECONDS = 180 * 24 * 3600
_VERIFIER_RE = re.compile(r"^[A-Za-z0-9_\-.~]{43,128}$")

# The approve page is rendered by the sandbox's own engine so it does not depend on how the
# project configures templates.
_engine = Engine(dirs=[str(Path(__file__).parent / "templates")], autoescape=True)


@dataclass(frozen=True)
class OAuthServer:
    key: str  # journal / fault platform name
    token_platform: str  # platform of the access tokens it issues
    title: str
    default_scope: str
    requires_state: bool
    vk_style: bool  # device_id, expires_in and state in answers, user_id, id_token

    def account_for(self, name: str) -> str:
        digest = int.from_bytes(hashlib.sha256(f"{self.key}:{name}".encode()).digest()[:8], "big")
        return str(100_000_000 + digest % 800_000_000)


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


def _fault(fault: Fault, method: str) -> HttpResponse:
    params = fault.params
    if fault.kind == "server_error":
        return json_response(
            {"error": "server_error", "error_description": "Internal server error"},
            status=int(params.get("status", 500)),
        )
    if fault.kind == "rate_limit":
        retry_after = int(params.get("retry_after", 2))
        return json_response(
            {"error": "slow_down", "error_description": "Too many requests"},
            status=429,
            Retry_After=str(retry_after),
        )
    if fault.kind == "auth_expired":
        return json_response(
            {"error": "invalid_grant", "error_description": "Token has expired"}, status=400
        )
    return json_response(
        {
            "error": params.get("code") or "invalid_request",
            "error_description": params.get("message") or "Request refused",
        },
        status=int(params.get("status", 400)),
    )


def challenge_of(verifier: str) -> str:
    """The S256 code challenge of a verifier (base64url of SHA-256, no padding)."""
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


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


def _use_once(token: str, kind: str) -> None:
    store = get_store()
    try:
        with store.connection() as conn:
            conn.execute(
                "INSERT INTO grants (digest, kind, used_at) VALUES (?, ?, ?)",
                (token_digest(token), kind, store.now()),
            )
    except sqlite3.IntegrityError as exc:
        what = "Code" if kind == CODE else "Refresh token"
        raise OAuthError("invalid_grant", f"{what} has already been used") from exc


def issue_tokens(
    server: OAuthServer,
    *,
    account: str,
    name: str,
    client_id: str | None,
    device_id: str | None,
    scope: str,
    state: str | None = None,
) -> dict[str, Any]:
    """A fresh token set as the server's token endpoint answers it."""
    ttl = int(settings.SANDBOX_TOKEN_TTL_SECONDS)
    access = mint_token(server.token_platform, account, kind=ACCESS, ttl=ttl, name=name)
    refresh = mint_token(
        server.key,
        account,
        kind=REFRESH,
        ttl=REFRESH_TTL_SECONDS,
        name=name,
        client_id=client_id,
        device_id=device_id,
        extra={"s": scope},
    )
    if not server.vk_style:
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": ttl,
            "token_type": "bearer",
        }
    answer: dict[str, Any] = {
        "access_token": access,
        "refresh_token": refresh,
        "id_token": mint_token(server.key, account, kind=ID, ttl=ttl, name=name),
        "expires_in": ttl,
        "user_id": int(account),
        "token_type": "Bearer",
        "scope": scope,
    }
    if state is not None:
        answer["state"] = state
    return answer


def _require(params: dict[str, str], *names: str) -> None:
    for name in names:
        if not params.get(name):
            raise OAuthError("invalid_request", f"{name} is missing")


def _verify(server: OAuthServer, token: str, kind: str) -> TokenClaims:
    try:
        return verify_token(token, platform=server.key, kind=kind)
    except TokenError as exc:
        what = "Code" if kind == CODE else "Refresh token"
        raise OAuthError("invalid_grant", f"{what} is invalid or has expired") from exc


def _client(server: OAuthServer, request: HttpRequest, params: dict[str, str]) -> str:
    client_id = params.get("client_id", "")
    secret = params.get("client_secret", "")
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError) as exc:
            raise OAuthError("invalid_client", "Malformed client credentials", 401) from exc
    if not client_id or (not server.vk_style and not secret):
        raise OAuthError("invalid_client", "Client credentials are missing", 401)
    return client_id


def _exchange_code(
    server: OAuthServer, request: HttpRequest, params: dict[str, str]
) -> dict[str, Any]:
    client_id = _client(server, request, params)
    required = ["code", "code_verifier"] + (
        ["device_id", "redirect_uri"] if server.vk_style else []
    )
    _require(params, *required)
    code = params["code"]
    claims = _verify(server, code, CODE)
    if claims.client_id != client_id:
        raise OAuthError("invalid_grant", "Code was issued to another client")
    redirect_uri = params.get("redirect_uri")
    if (server.vk_style or redirect_uri) and redirect_uri != claims.extra.get("r"):
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    if server.vk_style and params["device_id"] != claims.device_id:
        raise OAuthError("invalid_grant", "device_id does not match the authorization request")
    verifier = params["code_verifier"]
    if not _VERIFIER_RE.match(verifier):
        raise OAuthError(
            "invalid_request", "code_verifier must be 43-128 characters of [A-Za-z0-9-._~]"
        )
    if challenge_of(verifier) != claims.extra.get("ch"):
        raise OAuthError("invalid_grant", "code_verifier does not match code_challenge")
    _use_once(code, CODE)
    return issue_tokens(
        server,
        account=claims.account,
        name=claims.name,
        client_id=client_id,
        device_id=claims.device_id,
        scope=claims.extra.get("s", server.default_scope),
        state=params.get("state") if server.vk_style else None,
    )


def _refresh(server: OAuthServer, request: HttpRequest, params: dict[str, str]) -> dict[str, Any]:
    client_id = _client(server, request, params)
    _require(params, "refresh_token", *(["device_id"] if server.vk_style else []))
    token = params["refresh_token"]
    claims = _verify(server, token, REFRESH)
    if claims.client_id is not None and claims.client_id != client_id:
        raise OAuthError("invalid_grant", "Refresh token was issued to another client")
    if server.vk_style and claims.device_id is not None and params["device_id"] != claims.device_id:
        raise OAuthError("invalid_grant", "device_id does not match the refresh token")
    _use_once(token, REFRESH)
    return issue_tokens(
        server,
        account=claims.account,
        name=claims.name,
        client_id=client_id,
        device_id=claims.device_id,
        scope=claims.extra.get("s", server.default_scope),
        state=params.get("state") if server.vk_style else None,
    )


def _token(server: OAuthServer, request: HttpRequest) -> HttpResponse:
    state: str | None = None
    try:
        if request.method != "POST":
            raise OAuthError("invalid_request", "Use POST", 405)
        if (request.content_type or "") not in {
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        }:
            raise OAuthError(
                "invalid_request", "Send the parameters as application/x-www-form-urlencoded"
            )
        try:
            params, _files = form_params(request)
        except BadBody as exc:
            raise OAuthError("invalid_request", "Malformed body") from exc
        state = params.get("state")
        grant_type = params.get("grant_type", "")
        if grant_type == "authorization_code":
            return json_response(_exchange_code(server, request, params))
        if grant_type == "refresh_token":
            return json_response(_refresh(server, request, params))
        raise OAuthError(
            "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"
        )
    except OAuthError as exc:
        body = {"error": exc.error, "error_description": exc.description}
        if server.vk_style and state:
            body["state"] = state
        return json_response(body, status=exc.status)


def authorize_view(server: OAuthServer) -> Callable[[HttpRequest], HttpResponse]:
    """The approve page of ``server`` (journalled and faulted under ``server.key``)."""

    @endpoint(server.key, "authorize", _fault)
    def authorize(request: HttpRequest) -> HttpResponse:
        return _authorize(server, request)

    return authorize


def token_view(server: OAuthServer) -> Callable[[HttpRequest], HttpResponse]:
    """The token endpoint of ``server`` (journalled and faulted under ``server.key``)."""

    @endpoint(server.key, "token", _fault)
    def token(request: HttpRequest) -> HttpResponse:
        return _token(server, request)

    return token


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
