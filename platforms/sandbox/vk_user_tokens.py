"""VK's legacy implicit flow, as a person runs it to make a user token for themselves.

``/sandbox/vk/oauth/authorize?client_id&redirect_uri&scope&response_type=token&v`` shows the
approve page; «Разрешить» redirects to ``redirect_uri`` (the sandbox's ``blank.html``) with the
token in the fragment: ``#access_token=...&expires_in=...&user_id=...``, as
``oauth.vk.com/blank.html`` does. The token is an ordinary sandbox VK access token of the same
account VK ID gives that name, living ``SANDBOX_VK_USER_TOKEN_TTL_SECONDS`` (a day by default;
0: never expires, ``expires_in=0``), with no refresh token.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import Context
from django.urls import path

from platforms.sandbox import oauth
from platforms.sandbox.endpoint import endpoint
from platforms.sandbox.oauth import OAuthServer
from platforms.sandbox.tokens import mint_token
from platforms.sandbox.wire import BadBody, form_params

SCOPES = frozenset({"video", "wall", "groups", "offline"})
DEFAULT_TTL_SECONDS = 86400


def _ttl() -> int:
    return int(getattr(settings, "SANDBOX_VK_USER_TOKEN_TTL_SECONDS", DEFAULT_TTL_SECONDS))


def user_token(server: OAuthServer, *, name: str, ttl: int | None = None) -> dict[str, str]:
    """What the redirect's fragment carries for ``name``: access_token, expires_in, user_id."""
    seconds = _ttl() if ttl is None else ttl
    account = server.account_for(name)
    return {
        "access_token": mint_token(server.token_platform, account, ttl=seconds, name=name),
        "expires_in": str(seconds),
        "user_id": account,
    }


def _authorize(server: OAuthServer, request: HttpRequest) -> HttpResponse:
    params = {key: request.GET.get(key, "") for key in request.GET}
    if request.method == "POST":
        try:
            fields, _files = form_params(request)
        except BadBody:
            fields = {}
        params.update(fields)
    redirect_uri = params.get("redirect_uri", "")
    parts = urlsplit(redirect_uri)
    if not params.get("client_id"):
        return oauth._page(server.title, "Не указан client_id. Проверьте ссылку.", 400)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return oauth._page(server.title, "Неверный redirect_uri. Проверьте ссылку.", 400)

    def back(**answer: str) -> HttpResponse:
        return HttpResponseRedirect(f"{redirect_uri}#{urlencode(answer)}")

    if params.get("response_type") != "token":
        return back(error="unsupported_response_type", error_description="use response_type=token")
    scope = params.get("scope", "")
    unknown = {s for s in scope.replace(" ", ",").split(",") if s} - SCOPES
    if unknown:
        return back(error="invalid_scope", error_description=f"unknown scope {sorted(unknown)}")
    if request.method != "POST":
        html = oauth._engine.get_template("sandbox/approve.html").render(
            Context(
                {
                    "server": server,
                    "client_id": params["client_id"],
                    "scope": scope,
                    "redirect_host": parts.netloc,
                    "action": request.path,
                    "hidden": [
                        (k, v) for k, v in params.items() if k not in {"decision", "account_name"}
                    ],
                    "account_name": "Демо-автор",
                }
            )
        )
        return HttpResponse(html)
    if params.get("decision") != "allow":
        return back(error="access_denied", error_description="User denied your request")
    name = (params.get("account_name") or "Демо-автор").strip()[:64]
    return back(**user_token(server, name=name))


def blank(request: HttpRequest) -> HttpResponse:
    """The page the implicit flow ends on; the token is in the address bar's fragment."""
    return HttpResponse(
        "<!doctype html><html lang='ru'><head><meta charset='utf-8'><title>OAuth Blank</title>"
        "</head><body><p>Пожалуйста, не копируйте данные из адресной строки для сторонних "
        "сайтов. Таким образом вы можете потерять доступ к своему аккаунту.</p>"
        "<p><small>Песочница КлипМейкера: скопируйте адрес целиком и вставьте его на странице "
        "подключения VK.</small></p></body></html>"
    )


def urlpatterns(server: OAuthServer) -> list:  # type: ignore[type-arg]
    @endpoint(server.key, "implicit_authorize", oauth._fault)
    def authorize(request: HttpRequest) -> HttpResponse:
        return _authorize(server, request)

    return [
        path("vk/oauth/authorize", authorize, name="vk-oauth-authorize"),
        path("vk/oauth/blank.html", blank, name="vk-oauth-blank"),
    ]
