"""The sandbox's OAuth token endpoint: a code exchanged once (verifier against challenge, client,
redirect URI), refresh tokens that rotate (a used one is ``invalid_grant``), and the tokens it
issues.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from platforms.sandbox.endpoint import endpoint
from platforms.sandbox.oauth_server import (
    _VERIFIER_RE,
    REFRESH_TTL_SECONDS,
    OAuthError,
    OAuthServer,
    _fault,
    challenge_of,
)
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


def token_view(server: OAuthServer) -> Callable[[HttpRequest], HttpResponse]:
    """The token endpoint of ``server`` (journalled and faulted under ``server.key``)."""

    @endpoint(server.key, "token", _fault)
    def token(request: HttpRequest) -> HttpResponse:
        return _token(server, request)

    return token
