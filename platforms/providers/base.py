"""The provider interface: the base class every platform adapter fills in.

``PlatformProvider`` owns the HTTP client (session, User-Agent, timeouts), the default mapping
of HTTP statuses to the error hierarchy and the streamed-upload helpers; an adapter fills in
small hooks (where the platform puts its error code and message, which codes mean what) and the
platform's calls. It also *declares* its platform's facts as class attributes — label, limits,
rates, base URLs, connect form fields, whether the platform fetches the clip by URL — so that
no code outside the adapter needs to know them. ``OAuthProvider`` (``providers/oauth.py``) adds
the OAuth 2 + PKCE flow. Providers never touch the ORM.
"""

from __future__ import annotations

import json
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO, ClassVar

import requests
from django.conf import settings

from platforms.constants import MB
from platforms.providers.media_limits import MediaLimits

from .errors import (
    AuthExpired,
    ClipFileMissing,
    ConnectInputInvalid,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
)
from .http import HttpClient, UploadBody, multipart_body, parse_retry_after, raw_body, scrub
from .places import PlacesMixin
from .types import (
    AccountInfo,
    BaseUrl,
    ClipFile,
    ConnectField,
    Credentials,
    HandleCallback,
    PlatformHandle,
    ProgressCallback,
    PublishMeta,
    PublishResult,
    Rate,
    Stats,
    TextLimits,
    TokenSet,
    size_label,
)

__all__ = [
    "SANDBOX_CLIENT",
    "PlatformProvider",
    "base_url",
    "expires_at_from",
    "platform_setting",
]


# The OAuth client id and secret the sandbox's authorization servers accept.
SANDBOX_CLIENT = "sandbox-client"


def platform_setting(name: str, *, sandbox: str = "", default: str = "") -> str:
    """A platform adapter's own setting, read at call time.

    A Django setting of that name wins (tests override it), then the environment variable
    (``VK_CLIENT_ID=...``, also from ``.env``), then ``sandbox`` when the sandbox is on, then
    ``default``. Adapters declare their settings this way so that adding a platform needs no
    change to the project's settings module.
    """
    value = getattr(settings, name, "") or os.environ.get(name, "")
    if not value and getattr(settings, "PLATFORM_SANDBOX", False):
        value = sandbox
    return str(value or default)


def base_url(spec: BaseUrl) -> str:
    """Where to reach one of a platform's hosts, without a trailing slash: the setting or
    environment variable, else the sandbox's path when it is on, else the real host."""
    sandbox = f"{settings.PUBLIC_BASE_URL}/sandbox/{spec.sandbox}"
    return platform_setting(spec.setting, sandbox=sandbox, default=spec.real).rstrip("/")


class PlatformProvider(PlacesMixin, ABC):
    """Base of every adapter. Subclasses set the class attributes and implement the calls.

    The hooks about places (destinations) come from ``PlacesMixin`` (``providers/places.py``).
    """

    platform: ClassVar[str]
    label: ClassVar[str]  # the platform's name for users («Дзен»)
    order: ClassVar[int] = 100  # position in lists (checkboxes, settings)
    max_file_size: ClassVar[int]  # bytes; see max_file_size_bytes() for the effective value
    upload_timeout: ClassVar[float]  # seconds for a whole upload
    supports_stats: ClassVar[bool] = True
    # Videos one ``fetch_stats`` HTTP request can ask about (1: no batch call exists).
    stats_batch_size: ClassVar[int] = 1
    uses_oauth: ClassVar[bool] = False
    # The platform downloads the clip itself from a signed URL (``ClipFile.public_url``).
    fetches_by_url: ClassVar[bool] = False
    # Its one create call may post before any handle comes back, and counts no bytes: a claimed
    # row with no handle may already be live there (the reaper must not re-send it).
    creates_before_handle: ClassVar[bool] = False
    # One token per publish job per account (shared by every worker), and Celery's per-worker
    # ceiling for the platform's publish task.
    account_rate: ClassVar[Rate] = Rate(per_second=1.0, burst=1.0)
    worker_rate_limit: ClassVar[str | None] = None
    # Hosts: the API and where post links point (sandbox paths for the embedded default).
    base_urls: ClassVar[tuple[BaseUrl, ...]] = ()
    # Token platforms: the inputs of the connect form (page and API), in order.
    connect_fields: ClassVar[tuple[ConnectField, ...]] = ()
    text_limits: ClassVar[TextLimits] = TextLimits()
    connect_timeout: ClassVar[float] = 10.0
    read_timeout: ClassVar[float] = 30.0
    upload_chunk_size: ClassVar[int] = MB
    default_retry_after: ClassVar[float] = 60.0
    # Duration, frame shape and codecs the platform accepts (platforms/providers/media_limits.py).
    media_limits: ClassVar[MediaLimits] = MediaLimits()
    # Ways of publishing the platform offers, chosen per publication (VK: "clip", "video"),
    # with their names for users; empty: one way only.
    modes: ClassVar[tuple[str, ...]] = ()
    mode_labels: ClassVar[Mapping[str, str]] = {}

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
    def publish_mode(cls, requested: str | None, settings: Mapping[str, Any]) -> str:
        """The mode of a new publication from the one asked for and the place's settings
        (``""`` on a platform with one way of publishing)."""
        return ""

    @classmethod
    def leaves_draft(cls, handle: PlatformHandle) -> bool:
        """Whether a publication that ends failed or cancelled with this handle left something
        unpublished on the platform that ``discard`` should remove."""
        return False

    def discard(self, *, credentials: Credentials, handle: PlatformHandle) -> bool:
        """Remove the unpublished draft behind ``handle``; whether something was removed."""
        return False

    @classmethod
    def max_file_size_bytes(cls) -> int:
        return cls.max_file_size

    @classmethod
    def max_file_size_label(cls) -> str:
        return size_label(cls.max_file_size_bytes())

    # Hosts -------------------------------------------------------------------------------

    @classmethod
    def url(cls, setting: str) -> str:
        """The base URL declared under ``setting`` in ``base_urls``."""
        for spec in cls.base_urls:
            if spec.setting == setting:
                return base_url(spec)
        raise KeyError(f"{cls.__name__} declares no base URL {setting!r}")

    # Connecting --------------------------------------------------------------------------

    @classmethod
    def connect_input(cls, values: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        """Check the connect form's inputs before asking the platform: the token and the
        non-secret settings to keep, or ``ConnectInputInvalid`` naming the input at fault."""
        token = str(values.get("token") or "").strip()
        if not token:
            raise ConnectInputInvalid("Вставьте токен.", field="token", code="required")
        return token, {}

    def connect_refusal(self, err: ProviderError) -> tuple[str, str, str]:
        """(input at fault, Russian message, code) for a refusal while verifying a new token."""
        return "token", err.user_message, "refused"

    def invalid_token_message(self) -> str:
        """What a user who pasted a token the platform does not accept should do."""
        return self.auth_expired_message()

    @classmethod
    def callback_extra(cls, params: Mapping[str, str], *, state: str) -> dict[str, Any]:
        """OAuth: what the code exchange needs from the callback besides the code."""
        return {}

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
