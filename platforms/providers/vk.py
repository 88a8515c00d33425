"""VK Клипы / VK Видео adapter (API 5.199 and VK ID OAuth 2.1 with PKCE).

Choices kept inside this adapter:

- The token goes in an ``Authorization: Bearer`` header on API calls (VK accepts it or an
  ``access_token`` parameter). A header keeps it out of URLs, form bodies and the request
  records of the sandbox, and it is never sent to the upload URL (a signed URL on another host).
- API calls are ``POST`` with a form body and ``v=<VK_API_VERSION>``; VK reports errors inside
  HTTP 200 as ``{"error": {"error_code", "error_msg"}}`` and those are mapped by code.
- Publishing: ``video.save`` (``is_short=1`` in Клип mode, ``group_id`` for a community) gives
  ``owner_id``/``video_id``/``upload_url``; the handle is handed to the engine before the file is
  streamed (field ``video_file``) so a retry resumes that video instead of creating another.
- A saved video whose file never arrived is assumed to be absent from ``video.get`` (VK lists
  videos with a file; the sandbox mirrors this). ``check`` raises ``UploadIncomplete`` for it
  while the handle is not marked ``uploaded``.
"""

from __future__ import annotations

import secrets as secrets_module
from collections.abc import Mapping, Sequence
from contextlib import closing
from typing import Any, ClassVar

from platforms.constants import GB, Platform
from platforms.providers.media_limits import MODERN_CODECS, MediaLimits

from .base import SANDBOX_CLIENT, platform_setting
from .errors import (
    AuthExpired,
    OAuthError,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
    UploadIncomplete,
)
from .http import scrub
from .oauth import OAuthProvider
from .registry import register
from .types import (
    AccountInfo,
    BaseUrl,
    ClipFile,
    Credentials,
    HandleCallback,
    PlatformHandle,
    ProgressCallback,
    PublishMeta,
    PublishResult,
    PublishState,
    Rate,
    Stats,
    TextLimits,
    as_int,
)
from .vk_places import VKPlacesMixin

NAME_MAX = 128
DESCRIPTION_MAX = 5000
STATS_BATCH = 200

# VK error code -> (error class, user message, retry_after for RateLimited).
_PERMISSION = "Проверьте права и переподключите VK в разделе «Платформы»."
VK_ERRORS: dict[int, tuple[type[ProviderError], str, float]] = {
    1: (TransientError, "VK вернул неизвестную ошибку. Публикация повторится автоматически.", 0),
    5: (AuthExpired, "", 0),
    6: (RateLimited, "VK ограничил частоту запросов. Публикация повторится автоматически.", 1.0),
    7: (PermanentError, f"Нет прав на публикацию видео в VK. {_PERMISSION}", 0),
    9: (RateLimited, "VK включил защиту от флуда. Публикация повторится через минуту.", 60.0),
    10: (TransientError, "Внутренняя ошибка VK. Публикация повторится автоматически.", 0),
    14: (
        PermanentError,
        "VK требует ввести капчу. Откройте vk.com в браузере, выполните любое действие "
        "в аккаунте и повторите публикацию.",
        0,
    ),
    15: (PermanentError, f"VK запретил доступ. {_PERMISSION}", 0),
    18: (
        PermanentError,
        "Аккаунт VK удалён или заблокирован. Подключите другой аккаунт VK.",
        0,
    ),
    22: (
        PermanentError,
        "VK не принял файл. Проверьте, что клип — видео в формате MP4, и повторите.",
        0,
    ),
    27: (
        PermanentError,
        "Нет доступа к сообществу VK. Переподключите VK от имени администратора сообщества.",
        0,
    ),
    29: (
        RateLimited,
        "Достигнут суточный лимит VK на загрузку видео. Публикация повторится через час.",
        3600.0,
    ),
    100: (
        PermanentError,
        "VK отклонил параметры публикации. Проверьте название и описание клипа и повторите.",
        0,
    ),
    200: (PermanentError, f"Нет доступа к альбому VK. {_PERMISSION}", 0),
    203: (
        PermanentError,
        "Нет доступа к сообществу VK. Проверьте, что вы его администратор, и переподключите VK.",
        0,
    ),
    204: (PermanentError, f"Нет доступа к видео VK. {_PERMISSION}", 0),
    214: (
        PermanentError,
        "VK запретил публикацию в это сообщество. Проверьте настройки сообщества и повторите.",
        0,
    ),
    704: (
        PermanentError,
        "VK требует двухфакторную аутентификацию. Включите её в настройках VK "
        "и повторите публикацию.",
        0,
    ),
}


def vk_link(owner_id: Any, video_id: Any, mode: str) -> str:
    kind = "video" if mode == "video" else "clip"
    return f"{VKProvider.url('VK_WEB_URL')}/{kind}{owner_id}_{video_id}"


@register
class VKProvider(VKPlacesMixin, OAuthProvider):
    platform = Platform.VK
    label = "VK"
    colour = "#0077FF"
    order = 10
    max_file_size = 5 * GB
    # A Клип is vertical and at most three minutes (docs/media-limits.md).
    media_limits = MediaLimits(
        max_duration_seconds=180, vertical_only=True, video_codecs=MODERN_CODECS
    )
    upload_timeout = 600.0
    supports_stats = True
    account_rate = Rate(per_second=3.0, burst=3.0)  # ~3 requests/s per user token
    worker_rate_limit = "10/s"
    base_urls = (
        BaseUrl("VK_API_URL", "https://api.vk.com/method", "vk/method"),
        BaseUrl("VK_ID_URL", "https://id.vk.com", "vkid"),
        BaseUrl("VK_WEB_URL", "https://vk.com", "web/vk"),
    )
    text_limits = TextLimits(title=NAME_MAX, description=DESCRIPTION_MAX)
    stats_batch_size = STATS_BATCH
    scope = "video wall groups"  # groups: the communities the user may post to
    code_challenge_method = "s256"
    authorize_path = "/authorize"
    token_path = "/oauth2/auth"  # noqa: S105 - a URL path

    modes: ClassVar[frozenset[str]] = frozenset({"clip", "video"})

    # Settings ----------------------------------------------------------------------------

    def api_url(self) -> str:
        return self.url("VK_API_URL")

    def oauth_base_url(self) -> str:
        return self.url("VK_ID_URL")

    def client_id(self) -> str:
        return platform_setting("VK_CLIENT_ID", sandbox=SANDBOX_CLIENT)

    def api_version(self) -> str:
        return platform_setting("VK_API_VERSION", default="5.199")

    # API calls ---------------------------------------------------------------------------

    def api(self, method: str, params: Mapping[str, Any], credentials: Credentials) -> Any:
        """Call ``method`` and return its ``response``, raising our errors for VK errors."""
        token = credentials.access_token
        data = {k: str(v) for k, v in params.items() if v is not None}
        data["v"] = self.api_version()
        payload = self.request_json(
            "POST",
            f"{self.api_url()}/{method}",
            data=data,
            headers={"Authorization": f"Bearer {token}"},
            secrets=[token],
        )
        if isinstance(payload, Mapping) and payload.get("error"):
            raise self.api_error(payload["error"], secrets=[token])
        if not isinstance(payload, Mapping) or "response" not in payload:
            raise TransientError(
                "VK вернул непонятный ответ. Публикация повторится автоматически.",
                platform=str(self.platform),
                status=200,
                platform_message=scrub(str(payload)[:300], [token]),
            )
        return payload["response"]

    def api_error(
        self, error: Any, *, secrets: Sequence[str | None] = (), body_sent: bool = False
    ) -> ProviderError:
        code = as_int(error.get("error_code")) if isinstance(error, Mapping) else 0
        message = str(error.get("error_msg", "")) if isinstance(error, Mapping) else str(error)
        common: dict[str, Any] = {
            "platform": str(self.platform),
            "status": 200,
            "code": code,
            "platform_message": scrub(message, secrets),
            "body_sent": body_sent,
        }
        cls, user_message, retry_after = VK_ERRORS.get(
            code,
            (
                PermanentError,
                f"VK вернул ошибку {code}. Проверьте клип и подключение VK и повторите.",
                0,
            ),
        )
        if cls is AuthExpired:
            return AuthExpired(self.auth_expired_message(), **common)
        if cls is RateLimited:
            return RateLimited(user_message, retry_after=retry_after, **common)
        return cls(user_message, **common)

    def error_details(self, payload: Any) -> tuple[str | int | None, str]:
        if isinstance(payload, Mapping) and isinstance(payload.get("error"), Mapping):
            error = payload["error"]
            return error.get("error_code"), str(error.get("error_msg", ""))
        if isinstance(payload, Mapping) and "error_code" in payload:
            return payload.get("error_code"), str(
                payload.get("error_descr") or payload.get("error") or ""
            )
        return super().error_details(payload)

    # Connection ------------------------------------------------------------------------

    def verify(self, *, credentials: Credentials) -> AccountInfo:
        users = self.api("users.get", {}, credentials)
        if not users:
            raise AuthExpired(self.auth_expired_message(), platform=str(self.platform))
        user = users[0]
        name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
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

    # Publishing --------------------------------------------------------------------------

    def mode(self, credentials: Credentials) -> str:
        mode = str(credentials.extra.get("vk_mode") or "clip")
        return mode if mode in self.modes else "clip"

    def save_params(self, credentials: Credentials, meta: PublishMeta) -> dict[str, Any]:
        params: dict[str, Any] = {
            "name": meta.title[:NAME_MAX],
            "description": meta.description[:DESCRIPTION_MAX],
        }
        group_id = credentials.extra.get("group_id")
        if group_id:
            params["group_id"] = abs(int(group_id))
        if self.mode(credentials) == "clip":
            params["is_short"] = 1
        return params

    def publish(
        self,
        *,
        credentials: Credentials,
        clip: ClipFile,
        meta: PublishMeta,
        resume: PlatformHandle | None,
        progress: ProgressCallback,
        on_handle: HandleCallback,
    ) -> PublishResult:
        if resume is not None:
            try:
                return self.check(credentials=credentials, handle=resume)
            except UploadIncomplete:
                pass
            if not resume.data.get("upload_url"):
                raise PermanentError(
                    "Не удалось продолжить загрузку в VK. Опубликуйте клип заново.",
                    platform=str(self.platform),
                    code="no_upload_url",
                )
        # Open the file before video.save so a missing file never leaves an empty video on VK.
        fileobj = self.open_clip(clip)
        with closing(fileobj):
            if resume is not None:
                handle = resume
            else:
                saved = self.api("video.save", self.save_params(credentials, meta), credentials)
                handle = PlatformHandle(
                    id=f"{saved['owner_id']}_{saved['video_id']}",
                    data={
                        "owner_id": saved["owner_id"],
                        "video_id": saved["video_id"],
                        "upload_url": saved["upload_url"],
                        "access_key": saved.get("access_key", ""),
                        "mode": self.mode(credentials),
                        "uploaded": False,
                    },
                )
                on_handle(handle)
            self.upload(handle, fileobj=fileobj, clip=clip, progress=progress)
        handle = handle.with_data(uploaded=True)
        on_handle(handle)
        return PublishResult(state=PublishState.PROCESSING, handle=handle, url=self.link(handle))

    def upload(
        self, handle: PlatformHandle, *, fileobj: Any, clip: ClipFile, progress: ProgressCallback
    ) -> None:
        """Stream the file to the upload URL VK gave (no token: the URL is signed)."""
        upload_url = str(handle.data["upload_url"])
        body = self.multipart_upload_body(
            fileobj=fileobj, clip=clip, fields={}, file_field="video_file", progress=progress
        )
        payload = self.request_json(
            "POST",
            upload_url,
            body=body,
            secrets=[upload_url],
            timeout=self.upload_timeouts(),
            upload_timeout=self.upload_timeout,
        )
        if isinstance(payload, Mapping) and payload.get("error"):
            error = payload["error"]
            if isinstance(error, Mapping):  # an API-style error object
                raise self.api_error(error, body_sent=body.finished)
            code = payload.get("error_code")
            raise PermanentError(
                "VK не принял файл клипа. Проверьте, что это видео MP4 не длиннее "
                "допустимого, и повторите публикацию.",
                platform=str(self.platform),
                status=200,
                code=code,
                platform_message=scrub(f"{error}: {payload.get('error_descr', '')}", [upload_url]),
                body_sent=body.finished,
            )

    def link(self, handle: PlatformHandle) -> str:
        return vk_link(
            handle.data.get("owner_id"), handle.data.get("video_id"), handle.data.get("mode", "")
        )

    def check(self, *, credentials: Credentials, handle: PlatformHandle) -> PublishResult:
        items = self.video_get(credentials, [handle.id])
        item = items.get(handle.id)
        if item is None:
            if handle.data.get("uploaded"):
                raise PermanentError(
                    "Видео не найдено в VK: его удалили или скрыли. Опубликуйте клип заново.",
                    platform=str(self.platform),
                    code="not_found",
                )
            raise UploadIncomplete(platform=str(self.platform), code="not_uploaded")
        if item.get("content_restricted"):
            raise PermanentError(
                "VK ограничил доступ к видео"
                + (
                    f": {item['content_restricted_message']}"
                    if item.get("content_restricted_message")
                    else ""
                )
                + ". Проверьте клип на нарушения правил VK.",
                platform=str(self.platform),
                code="content_restricted",
            )
        processing = item.get("processing") or item.get("converting")
        state = PublishState.PROCESSING if processing else PublishState.PUBLISHED
        return PublishResult(state=state, handle=handle, url=self.link(handle))

    def video_get(
        self, credentials: Credentials, ids: Sequence[str]
    ) -> dict[str, Mapping[str, Any]]:
        """``video.get`` for up to 200 ``owner_video`` ids; missing (hidden/deleted) ones left out."""
        response = self.api("video.get", {"videos": ",".join(ids), "count": len(ids)}, credentials)
        items = response.get("items", []) if isinstance(response, Mapping) else []
        return {f"{item.get('owner_id')}_{item.get('id')}": item for item in items}

    def fetch_stats(
        self, *, credentials: Credentials, handles: Sequence[PlatformHandle]
    ) -> dict[str, Stats]:
        result: dict[str, Stats] = {}
        ids = list(dict.fromkeys(h.id for h in handles))
        for start in range(0, len(ids), STATS_BATCH):
            batch = ids[start : start + STATS_BATCH]
            wanted = set(batch)
            for key, item in self.video_get(credentials, batch).items():
                if key in wanted:
                    result[key] = Stats(
                        views=as_int(item.get("views")),
                        likes=as_int(item.get("likes")),
                        comments=as_int(item.get("comments")),
                        shares=as_int(item.get("reposts")),
                    )
        return result
