"""VK without an approved app: a user token the person obtains for themselves and pastes.

VK no longer approves OAuth apps that post for a third-party service's users (reported since
early 2026), so besides VK ID the connect page takes a token the user creates: through the
implicit flow of an app they control (``response_type=token`` with the scopes ``video``,
``wall``, ``groups``, ``offline``), which ends on an address like
``https://oauth.vk.com/blank.html#access_token=...&expires_in=86400&user_id=...``, or from VK's
token page in their account settings. The user may paste that whole address or the bare token.

Such a token has no refresh token and may expire (``expires_in``; 0 means it does not); the
expiry is kept so that the product can warn before it. ``users.get`` and ``groups.get`` check it
before it is saved (``VKProvider.verify`` with ``token_source == "pasted"``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .base import SANDBOX_CLIENT, platform_setting
from .errors import ConnectInputInvalid, PermanentError
from .types import ConnectField, Credentials

PASTED = "pasted"
TOKEN_SOURCE = "token_source"  # noqa: S105 - a settings key, not a secret
SCOPES = ("video", "wall", "groups", "offline")
# VK errors of a call the token has no right to (permission denied, access denied).
SCOPE_CODES = frozenset({7, 15})
# The implicit flow's end page (VK's own, for apps that have no site), under VK_OAUTH_URL.
BLANK_PATH = "/blank.html"
# VK user tokens: ``vk1.a.<...>`` today, 85 hex characters before; letters, digits, . _ -.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9._-]{20,1000}$")

TOKEN_FIELD = ConnectField(
    name="token",
    label="Токен VK или адрес из адресной строки",
    required_message=(
        "Вставьте токен VK или весь адрес из адресной строки после «Разрешить» "
        "(он начинается с https://oauth.vk.com/blank.html#access_token=)."
    ),
    secret=True,
    max_length=2000,
    help_text=(
        "Можно вставить весь адрес вида https://oauth.vk.com/blank.html#access_token=…"
        "&expires_in=…&user_id=… или только сам токен."
    ),
)


def implicit_flow_url(*, oauth_base: str, client_id: str, api_version: str) -> str:
    """The address that gives a user token of ``client_id``'s app with the needed scopes."""
    query = urlencode(
        {
            "client_id": client_id,
            "display": "page",
            "redirect_uri": f"{oauth_base}{BLANK_PATH}",
            "scope": ",".join(SCOPES),
            "response_type": "token",
            "v": api_version,
        }
    )
    return f"{oauth_base}/authorize?{query}"


def _invalid(message: str, code: str) -> ConnectInputInvalid:
    return ConnectInputInvalid(message, field="token", code=code)


def pasted_token_input(values: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """The token and what the pasted text says about it (``expires_in``).

    Accepts the whole redirect address (the parameters after ``#`` or ``?``), just its
    ``access_token=...&...`` part, or the bare token. Nothing is sent to VK here.
    """
    text = "".join(str(values.get("token") or "").split())
    if not text:
        raise _invalid(TOKEN_FIELD.required_message, "required")
    params = _redirect_params(text)
    if params is not None:
        if params.get("error"):
            raise _invalid(
                "VK не выдал токен: в адресе ошибка «"
                + params.get("error_description", params["error"])[:200]
                + "». Откройте ссылку из шага 2 ещё раз и нажмите «Разрешить».",
                "access_denied",
            )
        token = params.get("access_token", "")
        if not token:
            raise _invalid(
                "В адресе нет токена (access_token). Скопируйте адрес из адресной строки "
                "целиком сразу после того, как нажали «Разрешить».",
                "no_token",
            )
    else:
        token = text
    if not _TOKEN_RE.match(token):
        raise _invalid(
            "Это не похоже на токен VK. Вставьте весь адрес из адресной строки (начинается с "
            "https://oauth.vk.com/blank.html#access_token=) или только токен — без пробелов "
            "и кавычек.",
            "invalid_token",
        )
    extra: dict[str, Any] = {TOKEN_SOURCE: PASTED}
    if params is not None:
        expires_in = params.get("expires_in", "")
        if expires_in:
            if not expires_in.isdigit():
                raise _invalid(
                    "В адресе неверный срок действия (expires_in). Скопируйте адрес ещё раз.",
                    "expires_in",
                )
            extra["expires_in"] = int(expires_in)
    return token, extra


def _redirect_params(text: str) -> dict[str, str] | None:
    """The parameters of a pasted redirect address, or None for a bare token."""
    if "access_token=" not in text and "error=" not in text:
        return None
    part = text
    if "://" in text or text.startswith(("oauth.vk.com", "/")):
        split = urlsplit(text if "://" in text else f"https://{text.lstrip('/')}")
        part = split.fragment or split.query
    part = part.lstrip("#?")
    parsed = parse_qs(part, keep_blank_values=True)
    return {key: values[0].strip() for key, values in parsed.items() if values}


class VKTokenMixin:
    """Mixed into ``VKProvider``: the pasted-token connect hooks and the implicit-flow link."""

    if TYPE_CHECKING:  # provided by VKProvider / PlatformProvider

        @classmethod
        def url(cls, setting: str) -> str: ...

        def api_version(self) -> str: ...

        def api(self, method: str, params: Mapping[str, Any], credentials: Credentials) -> Any: ...

    @classmethod
    def connect_input(cls, values: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        return pasted_token_input(values)

    def check_pasted_scopes(self, credentials: Credentials) -> None:
        """``groups.get`` with the pasted token: it must reach the user's communities. A
        refusal there means the token lacks a scope, said so the user can get a new one."""
        try:
            self.api(
                "groups.get", {"filter": "admin,editor", "extended": 1, "count": 1}, credentials
            )
        except PermanentError as err:
            if err.code not in SCOPE_CODES:
                raise
            raise PermanentError(
                "У токена нет нужных прав. Получите токен заново по инструкции, разрешив "
                "доступ к видео, стене, сообществам и доступ в любое время "
                "(video, wall, groups, offline).",
                platform=err.platform,
                status=err.status,
                code="scope",
                platform_message=err.platform_message,
            ) from None

    def invalid_token_message(self) -> str:
        return (
            "VK не принял токен: он неверный, отозван или срок его действия истёк. Получите "
            "новый токен по инструкции и вставьте его снова."
        )

    def token_client_id(self) -> str:
        """The app whose implicit flow the connect page links to: ``VK_TOKEN_CLIENT_ID`` (an app
        the installation controls), the sandbox's client, or "" (the user names their own)."""
        return platform_setting("VK_TOKEN_CLIENT_ID", sandbox=SANDBOX_CLIENT)

    def token_redirect(self) -> str:
        """The address the implicit flow ends on: what the user copies from the address bar."""
        return f"{self.url('VK_OAUTH_URL')}{BLANK_PATH}"

    def token_link(self, client_id: str) -> str:
        """Where a user gets their own token for the app ``client_id``."""
        return implicit_flow_url(
            oauth_base=self.url("VK_OAUTH_URL"),
            client_id=client_id,
            api_version=self.api_version(),
        )
