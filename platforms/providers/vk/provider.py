"""The VK adapter class: settings, API calls, connection, the steps both modes share, stats.

Choices kept inside this adapter:

- The token goes in an ``Authorization: Bearer`` header on API calls (VK accepts it or an
  ``access_token`` parameter). A header keeps it out of URLs, form bodies and the request
  records of the sandbox, and it is never sent to an upload URL (a signed URL on another host).
- API calls are ``POST`` with a form body and ``v=<VK_API_VERSION>`` (``VK_CLIPS_API_VERSION``
  for the clips methods); VK reports errors inside HTTP 200 and those are mapped by code
  (``errors.py``).
- Two modes, chosen per publication (``PublishMeta.mode``; the place's ``vk_mode`` setting is
  the default): Клип (``clips.py``) and Видео (``videos.py``). The mode is kept on the handle,
  so checks and retries continue in the mode the publication started in.
- Before a create call the engine stores a *placeholder* handle (no video yet, when it was
  sent); a retry that finds one looks for what a lost answer left on VK (``orphans.py``). The
  real handle (``owner_id``/``video_id``/``upload_url``) is stored before the first byte, so a
  retry resumes that video or draft instead of creating another.
- A saved video whose file never arrived is assumed to be absent from ``video.get`` by id (VK
  lists videos with a file; a Клип only once published; the sandbox mirrors this).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import closing
from typing import Any, ClassVar

from platforms.constants import GB, Platform
from platforms.providers.base import SANDBOX_CLIENT, platform_setting
from platforms.providers.errors import (
    PermanentError,
    ProviderError,
    TransientError,
    UploadIncomplete,
)
from platforms.providers.http import scrub
from platforms.providers.media_limits import MODERN_CODECS, MediaLimits
from platforms.providers.nouns import Noun
from platforms.providers.oauth import OAuthProvider
from platforms.providers.registry import register
from platforms.providers.texts import joined_text, split_caption
from platforms.providers.types import (
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
    SentText,
    TextLimits,
)
from platforms.providers.vk_places import VKPlacesMixin
from platforms.providers.vk_token import TOKEN_FIELD, VKTokenMixin

from . import errors as vk_errors
from .clips import CLIP, CLIP_DESCRIPTION_MAX, VKClipsMixin
from .connection import VKConnectionMixin
from .drafts import VKDraftsMixin
from .orphans import VKOrphansMixin
from .stats import STATS_BATCH, VKStatsMixin
from .videos import VIDEO, VKVideosMixin

NAME_MAX = 128
DESCRIPTION_MAX = 5000


def vk_link(owner_id: Any, video_id: Any, mode: str) -> str:
    kind = "video" if mode == VIDEO else "clip"
    return f"{VKProvider.url('VK_WEB_URL')}/{kind}{owner_id}_{video_id}"


def wall_link(owner_id: Any, post_id: Any) -> str:
    return f"{VKProvider.url('VK_WEB_URL')}/wall{owner_id}_{post_id}"


@register
class VKProvider(
    VKConnectionMixin,
    VKDraftsMixin,
    VKStatsMixin,
    VKTokenMixin,
    VKClipsMixin,
    VKVideosMixin,
    VKOrphansMixin,
    VKPlacesMixin,
    OAuthProvider,
):
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
        # The legacy OAuth host: the implicit flow a user runs to get their own token.
        BaseUrl("VK_OAUTH_URL", "https://oauth.vk.com", "vk/oauth"),
    )
    noun = Noun.indeclinable("VK")
    # A video's name and description; a Клип has one text (``text_limits_for``).
    # Besides VK ID: a user token pasted by the person (vk_token.py), for installations
    # without an approved app.
    connect_fields = (TOKEN_FIELD,)
    text_limits = TextLimits(title=NAME_MAX, description=DESCRIPTION_MAX)
    clip_text_limits = TextLimits(caption=CLIP_DESCRIPTION_MAX)
    stats_batch_size = STATS_BATCH
    scope = "video wall groups"  # groups: the communities the user may post to
    code_challenge_method = "s256"
    authorize_path = "/authorize"
    token_path = "/oauth2/auth"  # noqa: S105 - a URL path

    modes: ClassVar[tuple[str, ...]] = (CLIP, VIDEO)
    mode_labels: ClassVar[Mapping[str, str]] = {CLIP: "Клип", VIDEO: "Видео"}
    default_mode: ClassVar[str] = CLIP

    # Settings ----------------------------------------------------------------------------

    def api_url(self) -> str:
        return self.url("VK_API_URL")

    def oauth_base_url(self) -> str:
        return self.url("VK_ID_URL")

    def client_id(self) -> str:
        return platform_setting("VK_CLIENT_ID", sandbox=SANDBOX_CLIENT)

    def api_version(self) -> str:
        return platform_setting("VK_API_VERSION", default="5.199")

    def clips_api_version(self) -> str:
        # The clips methods need a newer version than the documented ones (platform-apis.md).
        return platform_setting("VK_CLIPS_API_VERSION", default="5.249")

    @classmethod
    def publish_mode(cls, requested: str | None, settings: Mapping[str, Any]) -> str:
        """The mode of a new publication: the one asked for, else the place's ``vk_mode``."""
        for mode in (requested, settings.get("vk_mode")):
            if mode in cls.modes:
                return str(mode)
        return cls.default_mode

    def mode(self, meta: PublishMeta | None, credentials: Credentials) -> str:
        return self.publish_mode(meta.mode if meta else None, credentials.extra)

    @staticmethod
    def wallpost(credentials: Credentials) -> bool:
        """Whether the place's settings ask for a wall post too (``vk_wallpost``, default on)."""
        value = credentials.extra.get("vk_wallpost", True)
        return value not in (False, 0, "0", "false", "")

    # API calls ---------------------------------------------------------------------------

    def api(
        self,
        method: str,
        params: Mapping[str, Any],
        credentials: Credentials,
        *,
        version: str | None = None,
    ) -> Any:
        """Call ``method`` and return its ``response``, raising our errors for VK errors."""
        token = credentials.access_token
        data = {k: str(v) for k, v in params.items() if v is not None}
        data["v"] = version or self.api_version()
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
        return vk_errors.api_error(
            error,
            auth_expired_message=self.auth_expired_message(),
            secrets=secrets,
            body_sent=body_sent,
        )

    def error_details(self, payload: Any) -> tuple[str | int | None, str]:
        if isinstance(payload, Mapping) and isinstance(payload.get("error"), Mapping):
            error = payload["error"]
            return error.get("error_code"), str(error.get("error_msg", ""))
        if isinstance(payload, Mapping) and "error_code" in payload:
            return payload.get("error_code"), str(
                payload.get("error_descr") or payload.get("error") or ""
            )
        return super().error_details(payload)

    # Publishing: what both modes share -----------------------------------------------------

    # Text: a Клип's one description, or a video's name and description ----------------

    @classmethod
    def text_limits_for(cls, mode: str | None = None) -> TextLimits:
        return cls.clip_text_limits if (mode or cls.default_mode) == CLIP else cls.text_limits

    @classmethod
    def text_joined(cls, *, title: str, description: str, mode: str | None = None) -> str | None:
        return joined_text(title, description) if (mode or cls.default_mode) == CLIP else None

    @classmethod
    def text_sent(cls, *, title: str, description: str, mode: str | None = None) -> SentText:
        """A Клип: title and description joined, cut at 5000; a video: each part cut."""
        whole = cls.text_joined(title=title, description=description, mode=mode)
        if whole is None:
            return super().text_sent(title=title, description=description, mode=mode)
        return split_caption(title, whole[:CLIP_DESCRIPTION_MAX], whole=whole)

    @staticmethod
    def group_id(credentials: Credentials) -> int | None:
        group_id = credentials.extra.get("group_id")
        return abs(int(group_id)) if group_id else None

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
        if resume is not None and resume.data.get("video_id"):
            return self.resume(
                credentials=credentials,
                clip=clip,
                meta=meta,
                handle=resume,
                progress=progress,
                on_handle=on_handle,
            )
        mode = str(resume.data.get("mode")) if resume is not None else self.mode(meta, credentials)
        # Open the file before creating anything so a missing file leaves nothing on VK.
        fileobj = self.open_clip(clip)
        with closing(fileobj):
            if resume is not None:  # a create call whose answer was lost
                self.orphans_remove(credentials, resume)
            name = meta.title[:NAME_MAX]
            # Stored before the create call: if its answer is lost, the retry knows to look.
            on_handle(
                PlatformHandle(
                    id="",
                    data={"mode": mode, "name": name, "create_sent_at": int(time.time())},
                )
            )
            if mode == CLIP:
                handle = self.clip_create(credentials, clip)
            else:
                handle = self.video_create(credentials, meta)
            on_handle(handle)
            self.upload(handle, fileobj=fileobj, clip=clip, progress=progress)
        handle = handle.with_data(uploaded=True)
        on_handle(handle)
        return self.after_upload(credentials, meta, handle, on_handle)

    def resume(
        self,
        *,
        credentials: Credentials,
        clip: ClipFile,
        meta: PublishMeta,
        handle: PlatformHandle,
        progress: ProgressCallback,
        on_handle: HandleCallback,
    ) -> PublishResult:
        """A retry of a publication whose video (or Клип draft) VK already gave us."""
        if not handle.data.get("uploaded"):
            try:
                # VK lists a video once its file arrived (the answer to the upload was lost).
                return self.check(credentials=credentials, handle=handle)
            except UploadIncomplete:
                pass
            if not handle.data.get("upload_url"):
                raise PermanentError(
                    "Не удалось продолжить загрузку в VK. Опубликуйте клип заново.",
                    platform=str(self.platform),
                    code="no_upload_url",
                )
            with closing(self.open_clip(clip)) as fileobj:
                self.upload(handle, fileobj=fileobj, clip=clip, progress=progress)
            handle = handle.with_data(uploaded=True)
            on_handle(handle)
        return self.after_upload(credentials, meta, handle, on_handle)

    def after_upload(
        self,
        credentials: Credentials,
        meta: PublishMeta,
        handle: PlatformHandle,
        on_handle: HandleCallback,
    ) -> PublishResult:
        if handle.data.get("mode") == CLIP and not handle.data.get("edited"):
            handle = self.clip_edit(credentials, meta, handle)
            on_handle(handle)
        if handle.data.get("published") or handle.data.get("wall_post_id"):
            return self.check(credentials=credentials, handle=handle)
        return PublishResult(state=PublishState.PROCESSING, handle=handle, url=self.link(handle))

    def upload(
        self, handle: PlatformHandle, *, fileobj: Any, clip: ClipFile, progress: ProgressCallback
    ) -> None:
        """Stream the file to the upload URL VK gave (no token: the URL is signed)."""
        upload_url = str(handle.data["upload_url"])
        file_field = "file" if handle.data.get("mode") == CLIP else "video_file"
        body = self.multipart_upload_body(
            fileobj=fileobj, clip=clip, fields={}, file_field=file_field, progress=progress
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
        data = handle.data
        if data.get("wall_post_id"):
            return wall_link(data.get("owner_id"), data["wall_post_id"])
        return vk_link(data.get("owner_id"), data.get("video_id"), str(data.get("mode", "")))

    def check(self, *, credentials: Credentials, handle: PlatformHandle) -> PublishResult:
        if not handle.data.get("video_id"):
            # Only a placeholder: the create call's answer was lost; the retry looks for it.
            raise UploadIncomplete(platform=str(self.platform), code="not_created")
        if handle.data.get("mode") == CLIP:
            return self.clip_check(credentials, handle)
        return self.video_check(credentials, handle)

    def listed(self, credentials: Credentials, handle: PlatformHandle) -> Mapping[str, Any] | None:
        """The video as ``video.get`` lists it by id, or None (no file yet, a draft, deleted)."""
        return self.video_get(credentials, [handle.id]).get(handle.id)

    def restricted(self, item: Mapping[str, Any]) -> None:
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

    def gone(self) -> PermanentError:
        return PermanentError(
            "Видео не найдено в VK: его удалили или скрыли. Опубликуйте клип заново.",
            platform=str(self.platform),
            code="not_found",
        )
