"""OAuth 2 authorization code + PKCE and refresh, for platforms that connect by signing in.

An adapter sets the class attributes (scope, paths, challenge method) and fills in the hooks
that build the exchange and refresh bodies; the flow, the account lookup after an exchange and
keeping a refresh token the server did not rotate are inherited (python-social-auth style).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from .base import PlatformProvider, _json_or_none, expires_at_from
from .errors import AuthExpired, OAuthError, ProviderError, TransientError
from .http import scrub
from .types import Credentials, TokenSet

__all__ = ["OAuthProvider"]


class OAuthProvider(PlatformProvider):
    """OAuth 2 authorization code + PKCE (S256) and refresh, configured by class attributes."""

    uses_oauth = True
    scope: ClassVar[str] = ""
    code_challenge_method: ClassVar[str] = "S256"
    authorize_path: ClassVar[str] = "/authorize"
    token_path: ClassVar[str] = "/token"  # noqa: S105 - a URL path, not a secret

    # Settings-driven configuration (read at call time so override_settings works).
    @abstractmethod
    def oauth_base_url(self) -> str: ...

    @abstractmethod
    def client_id(self) -> str: ...

    def client_secret(self) -> str:
        return ""

    def token_url(self) -> str:
        return self.oauth_base_url().rstrip("/") + self.token_path

    # Hooks ---------------------------------------------------------------------------------

    def authorization_params(
        self, *, state: str, code_challenge: str, redirect_uri: str
    ) -> dict[str, str]:
        return {
            "response_type": "code",
            "client_id": self.client_id(),
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": self.code_challenge_method,
            "scope": self.scope,
        }

    @abstractmethod
    def exchange_params(
        self, *, code: str, code_verifier: str, redirect_uri: str, extra: Mapping[str, Any]
    ) -> dict[str, str]: ...

    @abstractmethod
    def refresh_params(self, *, refresh_token: str, extra: Mapping[str, Any]) -> dict[str, str]: ...

    def token_set_from(self, payload: Mapping[str, Any], *, extra: Mapping[str, Any]) -> TokenSet:
        return TokenSet(
            access_token=str(payload["access_token"]),
            refresh_token=payload.get("refresh_token") or None,
            expires_at=expires_at_from(payload.get("expires_in")),
            account_id=str(payload.get("user_id") or ""),
            extra=dict(extra),
        )

    def oauth_error_message(self, error: str) -> str:
        if error in ("invalid_grant", "invalid_token", "unauthorized_client"):
            return (
                f"Доступ к {self.noun.dative} истёк или был отозван. "
                f"Подключите {self.noun.accusative} заново в разделе «Платформы»."
            )
        if error in ("invalid_client",):
            return (
                f"Приложение {self.noun.genitive} настроено неверно. "
                "Сообщите администратору КлипМейкера (проверьте client_id и секрет)."
            )
        return (
            f"{self.noun} {self.noun.agree('отказал', 'отказала', 'отказало')} в подключении. "
            f"Попробуйте подключить {self.noun.accusative} ещё раз."
        )

    # The flow ------------------------------------------------------------------------------

    def authorization_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        params = self.authorization_params(
            state=state, code_challenge=code_challenge, redirect_uri=redirect_uri
        )
        base = self.oauth_base_url().rstrip("/") + self.authorize_path
        return f"{base}?{urlencode(params, quote_via=quote)}"

    def exchange_code(
        self, *, code: str, code_verifier: str, redirect_uri: str, **extra: Any
    ) -> TokenSet:
        data = self.exchange_params(
            code=code, code_verifier=code_verifier, redirect_uri=redirect_uri, extra=extra
        )
        tokens = self._token_request(data, extra=self.extra_to_keep(extra))
        return self.with_account(tokens)

    def refresh(self, *, tokens: Credentials | TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            raise AuthExpired(self.auth_expired_message(), platform=str(self.platform))
        data = self.refresh_params(refresh_token=tokens.refresh_token, extra=tokens.extra)
        fresh = self._token_request(data, extra=self.extra_to_keep(tokens.extra))
        if fresh.refresh_token is None:
            # The server kept the old refresh token (no rotation): keep using it.
            fresh = TokenSet(
                access_token=fresh.access_token,
                refresh_token=tokens.refresh_token,
                expires_at=fresh.expires_at,
                account_id=fresh.account_id or tokens.account_id,
                account_name=fresh.account_name,
                extra=fresh.extra,
            )
        elif not fresh.account_id and tokens.account_id:
            fresh = TokenSet(
                access_token=fresh.access_token,
                refresh_token=fresh.refresh_token,
                expires_at=fresh.expires_at,
                account_id=tokens.account_id,
                account_name=fresh.account_name,
                extra=fresh.extra,
            )
        return fresh

    def extra_to_keep(self, extra: Mapping[str, Any]) -> dict[str, Any]:
        """The non-secret values from the flow that later calls need (e.g. VK device_id)."""
        return {}

    def with_account(self, tokens: TokenSet) -> TokenSet:
        """Fill in the account name after a code exchange; best effort, never loses the tokens."""
        try:
            info = self.verify(
                credentials=Credentials(access_token=tokens.access_token, extra=tokens.extra)
            )
        except ProviderError:
            return tokens
        return TokenSet(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            account_id=tokens.account_id or info.account_id,
            account_name=info.account_name,
            extra={**info.extra, **tokens.extra},
        )

    def _token_request(self, data: Mapping[str, str], *, extra: Mapping[str, Any]) -> TokenSet:
        secrets = [
            data.get("code"),
            data.get("code_verifier"),
            data.get("refresh_token"),
            data.get("client_secret"),
        ]
        response = self.http.request("POST", self.token_url(), data=dict(data), secrets=secrets)
        payload = _json_or_none(response)
        if isinstance(payload, Mapping) and payload.get("error"):
            if response.status_code == 429 or response.status_code >= 500:
                raise self.error_for_response(response, secrets=secrets, body_sent=False)
            error = str(payload.get("error"))
            raise OAuthError(
                self.oauth_error_message(error),
                error=error,
                error_description=scrub(payload.get("error_description") or "", secrets),
                platform=str(self.platform),
                status=response.status_code,
            )
        if response.status_code >= 400:
            raise self.error_for_response(response, secrets=secrets, body_sent=False)
        if not isinstance(payload, Mapping) or not payload.get("access_token"):
            raise TransientError(
                f"{self.noun} {self.noun.agree('вернул', 'вернула', 'вернуло')} непонятный ответ "
                "при подключении. Попробуйте ещё раз.",
                platform=str(self.platform),
                status=response.status_code,
            )
        return self.token_set_from(payload, extra=extra)
