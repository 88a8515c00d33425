"""VK's connection: the token checked with ``users.get`` (a pasted token also for its scopes), and
the VK ID OAuth exchange and refresh, which need the device the user approved on.
"""

from __future__ import annotations

import secrets as secrets_module
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from platforms.providers.errors import (
    AuthExpired,
    OAuthError,
)
from platforms.providers.types import (
    AccountInfo,
    Credentials,
)
from platforms.providers.vk_token import PASTED, TOKEN_SOURCE


class VKConnectionMixin:
    """Mixed into ``VKProvider`` (first, as its own methods were): connecting and refreshing."""

    if TYPE_CHECKING:  # provided by VKProvider

        def api(
            self,
            method: str,
            params: Mapping[str, Any],
            credentials: Credentials,
            *,
            version: str | None = None,
        ) -> Any: ...

        platform: ClassVar[str]

        def auth_expired_message(self) -> str: ...

        def client_id(self) -> str: ...

        def check_pasted_scopes(self, credentials: Credentials) -> None: ...

    def verify(self, *, credentials: Credentials) -> AccountInfo:
        users = self.api("users.get", {}, credentials)
        if not users:
            raise AuthExpired(self.auth_expired_message(), platform=str(self.platform))
        user = users[0]
        name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
        if credentials.extra.get(TOKEN_SOURCE) == PASTED:
            # A token the user made: it must also reach their communities (scope ``groups``).
            self.check_pasted_scopes(credentials)
        return AccountInfo(account_id=str(user.get("id", "")), account_name=name or "VK")

    def exchange_params(
        self, *, code: str, code_verifier: str, redirect_uri: str, extra: Mapping[str, Any]
    ) -> dict[str, str]:
        device_id = extra.get("device_id")
        if not device_id:
            raise OAuthError(
                "VK не передал идентификатор устройства. Подключите VK ещё раз.",
                error="missing_device_id",
                platform=str(self.platform),
            )
        return {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": code_verifier,
            "client_id": self.client_id(),
            "device_id": str(device_id),
            "redirect_uri": redirect_uri,
            "state": str(extra.get("state", "")),
        }

    def refresh_params(self, *, refresh_token: str, extra: Mapping[str, Any]) -> dict[str, str]:
        device_id = extra.get("device_id")
        if not device_id:
            raise AuthExpired(self.auth_expired_message(), platform=str(self.platform))
        return {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.client_id(),
            "device_id": str(device_id),
            "state": secrets_module.token_urlsafe(16),
        }

    @classmethod
    def callback_extra(cls, params: Mapping[str, str], *, state: str) -> dict[str, Any]:
        # VK ID's exchange needs the device the user approved on, and the state echoed.
        return {"device_id": str(params.get("device_id") or ""), "state": state}

    def extra_to_keep(self, extra: Mapping[str, Any]) -> dict[str, Any]:
        return {"device_id": str(extra["device_id"])} if extra.get("device_id") else {}
