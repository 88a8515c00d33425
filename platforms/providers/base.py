"""The provider interface: the dataclasses adapters exchange with the engine, and the base classes.

``PlatformProvider`` owns the HTTP client (session, User-Agent, timeouts), the default mapping
of HTTP statuses to the error hierarchy and the streamed-upload helpers; an adapter fills in
small hooks (where the platform puts its error code and message, which codes mean what) and the
platform's calls. ``OAuthProvider`` adds the OAuth 2 + PKCE authorization-code flow and refresh,
configured mostly by class attributes. Providers never touch the ORM.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, BinaryIO, ClassVar
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from platforms.constants import MB, Platform

from .errors import (
    AuthExpired,
    ClipFileMissing,
    OAuthError,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
)
from .http import HttpClient, UploadBody, multipart_body, parse_retry_after, raw_body, scrub

__all__ = [
    "AccountInfo",
    "ClipFile",
    "Credentials",
    "OAuthProvider",
    "PlatformHandle",
    "PlatformProvider",
    "PublishMeta",
    "PublishResult",
    "PublishState",
    "Stats",
    "TokenSet",
]


# --- Data exchanged with the engine -----------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """What a provider needs to act for a connection; ``extra`` holds non-secret settings.

    ``extra`` keys used: VK ``group_id``, ``vk_mode`` ("clip" or "video"), ``device_id``;
    Telegram ``chat_id``, ``chat_username``; Rutube ``category_id``.
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    account_id: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TokenSet:
    """Tokens as the platform issued them (after a code exchange or a refresh)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    account_id: str = ""
    account_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountInfo:
    """Who the connection publishes as (shown on the platforms page)."""

    account_id: str
    account_name: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClipFile:
    """The clip file in storage; ``open()`` returns a fresh binary file object each call."""

    name: str
    size: int
    open: Callable[[], BinaryIO] = field(repr=False)
    filename: str = "clip.mp4"
    content_type: str = "video/mp4"
    public_url: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PublishMeta:
    title: str
    description: str
    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class PlatformHandle:
    """What a retry needs to find the video again on the platform. JSON-safe, never a token."""

    id: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "data": dict(self.data)}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> PlatformHandle:
        return cls(id=str(value["id"]), data=dict(value.get("data") or {}))

    def with_data(self, **changes: Any) -> PlatformHandle:
        return PlatformHandle(id=self.id, data={**self.data, **changes})


class PublishState(StrEnum):
    PROCESSING = "processing"
    PUBLISHED = "published"


@dataclass(frozen=True)
class PublishResult:
    state: PublishState
    handle: PlatformHandle
    url: str = ""


@dataclass(frozen=True)
class Stats:
    views: int
    likes: int
    comments: int
    shares: int


ProgressCallback = Callable[[int], None]
HandleCallback = Callable[[PlatformHandle], None]


def _size_label(size: int) -> str:
    if size >= 1024 * MB and size % (1024 * MB) == 0:
        return f"{size // (1024 * MB)} ГБ"
    return f"{size // MB} МБ"


def as_int(value: Any) -> int:
    """An engagement counter from a platform answer: a number or a ``{"count": N}`` object."""
    if isinstance(value, Mapping):
        value = value.get("count", 0)
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


# --- Providers -------------------------------------------------------------------------------


class PlatformProvider(ABC):
    """Base of every adapter. Subclasses set the class attributes and implement the calls."""

    platform: ClassVar[Platform]
    label: ClassVar[str]  # the platform's name in user messages
    max_file_size: ClassVar[int]  # bytes; see max_file_size_bytes() for the effective value
    upload_timeout: ClassVar[float]  # seconds for a whole upload
    supports_stats: ClassVar[bool] = True
    # Videos one ``fetch_stats`` HTTP request can ask about (1: no batch call exists).
    stats_batch_size: ClassVar[int] = 1
    uses_oauth: ClassVar[bool] = False
    connect_timeout: ClassVar[float] = 10.0
    read_timeout: ClassVar[float] = 30.0
    upload_chunk_size: ClassVar[int] = MB
    default_retry_after: ClassVar[float] = 60.0

    def __init__(self, *, session: requests.Session | None = None) -> None:
        self.http = HttpClient(
            platform=str(self.platform),
            label=self.label,
            timeout=(self.connect_timeout, self.read_timeout),
            session=session,
        )

    # Limits ------------------------------------------------------------------------------

    @classmethod
    def holds_upload(cls, handle: PlatformHandle) -> bool:
        """Whether the platform already has the clip behind ``handle``: cancelling then would
        not stop the post. Adapters whose handle exists only once the platform has the clip
        (Rutube's video id, Telegram's message) answer True."""
        return bool(handle.data.get("uploaded"))

    @classmethod
    def max_file_size_bytes(cls) -> int:
        return cls.max_file_size

    @classmethod
    def max_file_size_label(cls) -> str:
        return _size_label(cls.max_file_size_bytes())

    # The interface -----------------------------------------------------------------------

    def authorization_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        raise NotImplementedError(f"{self.label} connects with a token, not OAuth")

    def exchange_code(
        self, *, code: str, code_verifier: str, redirect_uri: str, **extra: Any
    ) -> TokenSet:
        raise NotImplementedError(f"{self.label} connects with a token, not OAuth")

    def refresh(self, *, tokens: Credentials | TokenSet) -> TokenSet:
        # Token platforms cannot refresh: an expired token means the user connects again.
        raise AuthExpired(self.auth_expired_message(), platform=str(self.platform))

    @abstractmethod
    def verify(self, *, credentials: Credentials) -> AccountInfo: ...

    @abstractmethod
    def publish(
        self,
        *,
        credentials: Credentials,
        clip: ClipFile,
        meta: PublishMeta,
        resume: PlatformHandle | None,
        progress: ProgressCallback,
        on_handle: HandleCallback,
    ) -> PublishResult: ...

    @abstractmethod
    def check(self, *, credentials: Credentials, handle: PlatformHandle) -> PublishResult: ...

    def fetch_stats(
        self, *, credentials: Credentials, handles: Sequence[PlatformHandle]
    ) -> dict[str, Stats]:
        """Figures of the videos the platform returned, by handle id. A video it no longer has
        (deleted or hidden) is left out; every other failure raises."""
        return {}

    # Messages ----------------------------------------------------------------------------

    def auth_expired_message(self) -> str:
        return (
            f"Доступ к {self.label} истёк или отозван. "
            f"Переподключите {self.label} в разделе «Платформы»."
        )

    def file_too_big_message(self) -> str:
        return (
            f"Файл слишком большой для {self.label} "
            f"(максимум {self.max_file_size_label()}). Сократите или пережмите клип."
        )

    # Error mapping hooks -----------------------------------------------------------------

    def error_details(self, payload: Any) -> tuple[str | int | None, str]:
        """The platform's own (code, message) from an error answer's JSON. Override per platform."""
        if isinstance(payload, Mapping):
            for key in ("detail", "description", "message", "error_description", "error"):
                if isinstance(payload.get(key), str):
                    return payload.get("code"), payload[key]
        return None, ""

    def error_for_response(
        self, response: requests.Response, *, secrets: Iterable[str | None] = (), body_sent: bool
    ) -> ProviderError:
        """Map an HTTP error answer to our hierarchy; adapters refine it by code."""
        payload = _json_or_none(response)
        code, message = self.error_details(payload)
        if not message:
            message = response.text[:300] if response.text else response.reason or ""
        common: dict[str, Any] = {
            "platform": str(self.platform),
            "status": response.status_code,
            "code": code,
            "platform_message": scrub(message, secrets),
            "body_sent": body_sent,
        }
        return self.map_error(response.status_code, code, common, response)

    def map_error(
        self,
        status: int,
        code: str | int | None,
        common: dict[str, Any],
        response: requests.Response | None = None,
    ) -> ProviderError:
        if status == 401:
            return AuthExpired(self.auth_expired_message(), **common)
        if status == 429:
            header = response.headers.get("Retry-After") if response is not None else None
            return RateLimited(
                f"{self.label} ограничил частоту запросов. Публикация повторится автоматически.",
                retry_after=parse_retry_after(header, self.default_retry_after),
                **common,
            )
        if status == 413:
            return PermanentError(self.file_too_big_message(), **common)
        if status >= 500 or status == 408:
            return TransientError(
                f"{self.label} временно недоступен (ошибка {status}). "
                "Публикация повторится автоматически.",
                **common,
            )
        if status == 403:
            return PermanentError(
                f"{self.label} запретил это действие. Проверьте права аккаунта и подключите "
                f"{self.label} заново. ({common['platform_message']})",
                **common,
            )
        if status == 404:
            return PermanentError(
                f"{self.label} не нашёл видео или адрес API. Опубликуйте клип заново. "
                f"({common['platform_message']})",
                **common,
            )
        return PermanentError(
            f"{self.label} отклонил запрос: {common['platform_message'] or status}. "
            "Исправьте данные клипа и повторите.",
            **common,
        )

    # Calls -------------------------------------------------------------------------------

    def request_json(
        self,
        method: str,
        url: str,
        *,
        secrets: Iterable[str | None] = (),
        body: UploadBody | None = None,
        timeout: tuple[float, float] | None = None,
        upload_timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send one request and return its JSON, raising our errors for any failure."""
        secrets = tuple(secrets)
        response = self.http.request(
            method,
            url,
            secrets=secrets,
            body=body,
            timeout=timeout,
            upload_timeout=upload_timeout,
            **kwargs,
        )
        body_sent = body is not None and body.finished
        if kwargs.get("creates") and (
            response.status_code >= 500 or response.status_code in (408, 409) or response.ok
        ):
            # A call that creates the post got through and had an answer: a gateway error (or
            # an answer we cannot read) may come after the platform acted, so sending it again
            # could post twice. 4xx answers (400, 401, 403, 429) mean it refused.
            body_sent = True
        if response.status_code >= 400 or response.status_code in (204, 205):
            if response.status_code < 400:
                return None
            raise self.error_for_response(response, secrets=secrets, body_sent=body_sent)
        if 300 <= response.status_code < 400:
            raise TransientError(
                f"{self.label} ответил перенаправлением. Публикация повторится автоматически.",
                platform=str(self.platform),
                status=response.status_code,
                platform_message=scrub(response.headers.get("Location", ""), secrets),
                body_sent=body_sent,
            )
        try:
            return response.json()
        except (ValueError, json.JSONDecodeError):
            raise TransientError(
                f"{self.label} вернул непонятный ответ. Публикация повторится автоматически.",
                platform=str(self.platform),
                status=response.status_code,
                platform_message=scrub(response.text[:300], secrets),
                body_sent=body_sent,
            ) from None

    def open_clip(self, clip: ClipFile) -> BinaryIO:
        """Open the clip's file, turning any storage failure into ``ClipFileMissing``."""
        try:
            return clip.open()
        except (OSError, ValueError):
            raise ClipFileMissing(platform=str(self.platform), platform_message=clip.name) from None

    def upload_deadline(self) -> float:
        return time.monotonic() + self.upload_timeout

    def upload_timeouts(self) -> tuple[float, float]:
        # Read timeout = how long the platform may think after the last byte before answering.
        return (self.connect_timeout, max(self.read_timeout, self.upload_timeout / 4))

    def multipart_upload_body(
        self,
        *,
        fileobj: BinaryIO,
        clip: ClipFile,
        fields: Mapping[str, Any],
        file_field: str,
        progress: ProgressCallback | None,
    ) -> UploadBody:
        return multipart_body(
            fields=fields,
            file_field=file_field,
            fileobj=fileobj,
            size=clip.size,
            filename=clip.filename,
            content_type=clip.content_type,
            progress=progress,
            chunk_size=self.upload_chunk_size,
            deadline=self.upload_deadline(),
        )

    def raw_upload_body(
        self, *, fileobj: BinaryIO, clip: ClipFile, progress: ProgressCallback | None
    ) -> UploadBody:
        return raw_body(
            fileobj=fileobj,
            size=clip.size,
            content_type=clip.content_type,
            progress=progress,
            chunk_size=self.upload_chunk_size,
            deadline=self.upload_deadline(),
        )


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def expires_at_from(expires_in: Any) -> datetime | None:
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return datetime.now(UTC) + timedelta(seconds=seconds)


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
                f"Доступ к {self.label} истёк или был отозван. "
                f"Подключите {self.label} заново в разделе «Платформы»."
            )
        if error in ("invalid_client",):
            return (
                f"Приложение {self.label} настроено неверно. "
                "Сообщите администратору КлипМейкера (проверьте client_id и секрет)."
            )
        return f"{self.label} отказал в подключении. Попробуйте подключить {self.label} ещё раз."

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
                f"{self.label} вернул непонятный ответ при подключении. Попробуйте ещё раз.",
                platform=str(self.platform),
                status=response.status_code,
            )
        return self.token_set_from(payload, extra=extra)


def settings_url(name: str, default: str) -> str:
    """A base URL from settings (tests and the sandbox override it), without a trailing slash."""
    return (getattr(settings, name, "") or default).rstrip("/")
