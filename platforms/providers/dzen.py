"""Дзен adapter: Yandex OAuth (PKCE + client secret) and the assumed publishing contract.

Дзен has no public publishing API; this adapter implements the contract in platform-apis.md
(marked [assumed]) so it can be swapped in one place when Дзен publishes one. Assumptions
beyond that document, mirrored by the sandbox:

- ``GET /v1/me`` answers ``{"id", "name"}`` for the token's channel (used by ``verify``).
- ``GET /v1/videos/<id>`` has ``status``: ``created`` (no file yet) and ``uploaded`` (file
  received, not published) before ``processing``/``published``; ``rejected`` or ``failed``
  when Дзен refused the video. Any status other than processing/published/rejected/failed is
  treated as "the upload is not finished", so a retry re-sends the file or publishes again.
- The upload ``PUT`` carries ``Authorization: OAuth`` only when ``upload_url`` is on the API's
  own host; a token is never sent to another host.
- ``GET /v1/videos?status=created`` lists the channel's videos that have no file yet, newest
  first: ``{"items": [{id, title, description, status, created_at, upload_url}]}``. A create
  call whose answer was lost leaves such an empty video; a marker
  (``PlatformHandle.create_sent()``) stored before the call makes the next attempt look for it
  (same title and description, created since the call) and upload into it instead of leaving
  it behind and creating another. A server without the list (404/405) gets a new video, as
  before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import closing
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from platforms.constants import GB, Platform
from platforms.providers.media_limits import MODERN_CODECS, MediaLimits

from .base import SANDBOX_CLIENT, platform_setting
from .errors import PermanentError, ProviderError, Rejected, TransientError, UploadIncomplete
from .http import scrub
from .nouns import Noun
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
    aware_time,
)

STATS_BATCH = 100
# Clocks differ: an empty video created this long before our marker's time may still be ours.
CLOCK_SKEW = timedelta(minutes=2)
DONE_STATUSES = {"processing": PublishState.PROCESSING, "published": PublishState.PUBLISHED}
REJECTED_STATUSES = frozenset({"rejected", "failed", "blocked"})


@register
class DzenProvider(OAuthProvider):
    platform = Platform.DZEN
    label = "Дзен"
    noun = Noun("Дзен", "Дзена", "Дзену", "Дзен", "Дзеном", "Дзене")
    # Our assumed contract (platform-apis.md): longer fields are refused with invalid_parameter.
    text_limits = TextLimits(title=200, description=5000)
    colour = "#202124"
    order = 30
    max_file_size = 4 * GB
    media_limits = MediaLimits(max_duration_seconds=4 * 3600, video_codecs=MODERN_CODECS)
    upload_timeout = 600.0
    outcome_unknown_hint = "откройте Дзен-студию, раздел «Публикации», и найдите {video}."
    supports_stats = True
    account_rate = Rate(per_second=2.0, burst=2.0)
    worker_rate_limit = "4/s"
    base_urls = (
        BaseUrl("DZEN_API_URL", "https://dzen.ru/api", "dzen"),
        BaseUrl("YANDEX_OAUTH_URL", "https://oauth.yandex.ru", "yandex-oauth"),
        BaseUrl("DZEN_WEB_URL", "https://dzen.ru", "web/dzen"),
    )
    stats_batch_size = STATS_BATCH
    scope = "zen:write"
    code_challenge_method = "S256"
    authorize_path = "/authorize"
    token_path = "/token"  # noqa: S105 - a URL path

    # Settings ----------------------------------------------------------------------------

    def api_url(self) -> str:
        return self.url("DZEN_API_URL") + "/v1"

    def oauth_base_url(self) -> str:
        return self.url("YANDEX_OAUTH_URL")

    def client_id(self) -> str:
        return platform_setting("YANDEX_CLIENT_ID", sandbox=SANDBOX_CLIENT)

    def client_secret(self) -> str:
        return platform_setting("YANDEX_CLIENT_SECRET", sandbox=SANDBOX_CLIENT)

    # OAuth -------------------------------------------------------------------------------

    def exchange_params(
        self, *, code: str, code_verifier: str, redirect_uri: str, extra: Mapping[str, Any]
    ) -> dict[str, str]:
        return {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": self.client_id(),
            "client_secret": self.client_secret(),
            "code_verifier": code_verifier,
        }

    def refresh_params(self, *, refresh_token: str, extra: Mapping[str, Any]) -> dict[str, str]:
        return {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.client_id(),
            "client_secret": self.client_secret(),
        }

    # Calls and errors --------------------------------------------------------------------

    def error_details(self, payload: Any) -> tuple[str | int | None, str]:
        if isinstance(payload, Mapping) and isinstance(payload.get("error"), Mapping):
            error = payload["error"]
            return error.get("code"), str(error.get("message") or "")
        return super().error_details(payload)

    def map_error(
        self,
        status: int,
        code: str | int | None,
        common: dict[str, Any],
        response: Any = None,
    ) -> ProviderError:
        if code in ("file_too_large", "file_too_big"):
            return PermanentError(self.file_too_big_message(), **common)
        return super().map_error(status, code, common, response)

    def call(self, method: str, path: str, credentials: Credentials, **kwargs: Any) -> Any:
        token = credentials.access_token
        return self.request_json(
            method,
            f"{self.api_url()}/{path.lstrip('/')}",
            headers={"Authorization": f"OAuth {token}"},
            secrets=[token],
            **kwargs,
        )

    # Connection --------------------------------------------------------------------------

    def verify(self, *, credentials: Credentials) -> AccountInfo:
        me = self.call("GET", "/me", credentials) or {}
        return AccountInfo(
            account_id=str(me.get("id", "")), account_name=str(me.get("name") or "Дзен")
        )

    # Publishing --------------------------------------------------------------------------

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
        if resume is not None and resume.create_sent_at is not None:
            # Our create call went out and its answer was lost: reuse the empty video it left.
            resume = self.find_created(credentials, meta=meta, since=resume.create_sent_at)
            if resume is not None:
                on_handle(resume)
        if resume is not None:
            video = self.call("GET", f"/videos/{resume.id}", credentials) or {}
            status = str(video.get("status") or "")
            if status in DONE_STATUSES or status in REJECTED_STATUSES:
                return self.result_from(resume, video)
            if status == "uploaded":
                return self.publish_uploaded(credentials, resume.with_data(uploaded=True))
            if not resume.data.get("upload_url"):
                raise PermanentError(
                    "Не удалось продолжить загрузку в Дзен. Опубликуйте клип заново.",
                    platform=str(self.platform),
                    code="no_upload_url",
                )
        # Open the file first so a missing file never leaves an empty video on Дзен.
        fileobj = self.open_clip(clip)
        with closing(fileobj):
            if resume is not None:
                handle = resume
            else:
                on_handle(PlatformHandle.create_sent())
                text = self.text_sent(title=meta.title, description=meta.description)
                created = self.call(
                    "POST",
                    "/videos",
                    credentials,
                    json={"title": text.title, "description": text.description},
                )
                handle = PlatformHandle(
                    id=str(created["id"]),
                    data={
                        "id": str(created["id"]),
                        "upload_url": created["upload_url"],
                        "uploaded": False,
                    },
                )
                on_handle(handle)
            self.upload(credentials, handle, fileobj=fileobj, clip=clip, progress=progress)
        handle = handle.with_data(uploaded=True)
        on_handle(handle)
        return self.publish_uploaded(credentials, handle)

    def find_created(
        self, credentials: Credentials, *, meta: PublishMeta, since: datetime
    ) -> PlatformHandle | None:
        """The empty video a create call sent at ``since`` left (the oldest with our title and
        description created since then), or None: none, or no list on this server."""
        try:
            answer = self.call("GET", "/videos", credentials, params={"status": "created"})
        except PermanentError as err:
            if err.status in (404, 405):
                return None
            raise
        items = answer.get("items") if isinstance(answer, Mapping) else None
        not_before = since - CLOCK_SKEW
        title, description = meta.title.strip(), (meta.description or "").strip()
        match: Mapping[str, Any] | None = None
        for video in items or []:
            if not isinstance(video, Mapping) or not video.get("upload_url"):
                continue
            created = aware_time(video.get("created_at"))
            if (
                str(video.get("status") or "") == "created"
                and (created is None or created >= not_before)
                and str(video.get("title") or "").strip() == title
                and str(video.get("description") or "").strip() == description
            ):
                match = video  # newest first: the last match is the oldest
        if match is None:
            return None
        video_id = str(match["id"])
        return PlatformHandle(
            id=video_id,
            data={"id": video_id, "upload_url": match["upload_url"], "uploaded": False},
        )

    def upload(
        self,
        credentials: Credentials,
        handle: PlatformHandle,
        *,
        fileobj: Any,
        clip: ClipFile,
        progress: ProgressCallback,
    ) -> None:
        upload_url = str(handle.data["upload_url"])
        headers = {}
        if _same_origin(upload_url, self.api_url()):
            headers["Authorization"] = f"OAuth {credentials.access_token}"
        body = self.raw_upload_body(fileobj=fileobj, clip=clip, progress=progress)
        self.request_json(
            "PUT",
            upload_url,
            body=body,
            headers=headers,
            secrets=[credentials.access_token, upload_url],
            timeout=self.upload_timeouts(),
            upload_timeout=self.upload_timeout,
        )

    def publish_uploaded(self, credentials: Credentials, handle: PlatformHandle) -> PublishResult:
        video = self.call("POST", f"/videos/{handle.id}/publish", credentials) or {}
        return self.result_from(handle, video)

    def result_from(self, handle: PlatformHandle, video: Mapping[str, Any]) -> PublishResult:
        status = str(video.get("status") or "")
        if status in REJECTED_STATUSES:
            raise Rejected(
                "Дзен отклонил видео. Проверьте клип на соответствие правилам Дзена "
                "и опубликуйте его заново.",
                platform=str(self.platform),
                code=status,
                platform_message=scrub(str(video.get("message") or ""), ()),
            )
        state = DONE_STATUSES.get(status)
        if state is None:
            raise TransientError(
                "Дзен ещё не принял видео. Публикация повторится автоматически.",
                platform=str(self.platform),
                code=status or None,
            )
        url = str(video.get("url") or handle.data.get("url") or "")
        if url and handle.data.get("url") != url:
            handle = handle.with_data(url=url)
        return PublishResult(state=state, handle=handle, url=url)

    def check(self, *, credentials: Credentials, handle: PlatformHandle) -> PublishResult:
        video = self.call("GET", f"/videos/{handle.id}", credentials) or {}
        status = str(video.get("status") or "")
        if status in DONE_STATUSES or status in REJECTED_STATUSES:
            return self.result_from(handle, video)
        # created / uploaded / anything else: the file or the publish step is still missing;
        # publish(resume=handle) finishes what is left without creating another video.
        raise UploadIncomplete(platform=str(self.platform), code=status or None)

    def fetch_stats(
        self, *, credentials: Credentials, handles: Sequence[PlatformHandle]
    ) -> dict[str, Stats]:
        result: dict[str, Stats] = {}
        ids = list(dict.fromkeys(h.id for h in handles))
        for start in range(0, len(ids), STATS_BATCH):
            batch = ids[start : start + STATS_BATCH]
            wanted = set(batch)
            answer = self.call("GET", "/videos/stats", credentials, params={"ids": ",".join(batch)})
            items = answer.get("items", []) if isinstance(answer, Mapping) else []
            for item in items:
                key = str(item.get("id"))
                if key in wanted:
                    result[key] = Stats(
                        views=as_int(item.get("views")),
                        likes=as_int(item.get("likes")),
                        comments=as_int(item.get("comments")),
                        shares=as_int(item.get("shares")),
                    )
        return result


def _same_origin(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)
