"""Rutube adapter: API token in ``Authorization: Token``, publishing by URL.

Rutube downloads the clip itself from ``clip.public_url`` (a signed, expiring URL the engine
builds), so no file bytes go through this adapter. Assumptions kept here (see platform-apis.md):
the processing status is ``status`` in ``processing | ready | rejected`` on
``GET /video/<id>/`` (an answer without ``status`` is taken as ready, as the real API has no
such field), likes are ``likes_count``; there is no batch stats call, so stats are one
``GET`` per video. ``category_id`` is sent only when the connection sets one.

Rutube names the video only in its answer to the create call. Before that call a marker
(``PlatformHandle.create_sent()``) is stored; an attempt that resumes a marker — the answer was
a 5xx, a timeout or a dropped connection, or the worker died — looks the video up in the
account's list (``GET /video/person/``, newest first: same title and description, created
since the call went out) and adopts it, or sends the create call again when Rutube has no such
video. What stays unknown: docs/unknown-outcome.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import closing
from datetime import datetime, timedelta
from typing import Any

from platforms.constants import GB, Platform
from platforms.providers.media_limits import MODERN_CODECS, MediaLimits

from .base import PlatformProvider
from .errors import AuthExpired, ConnectInputInvalid, PermanentError, ProviderError, Rejected
from .http import scrub
from .nouns import Noun
from .registry import register
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
    PublishState,
    Rate,
    Stats,
    TextLimits,
    as_int,
    aware_time,
)

# Clocks differ: a video created this long before our marker's time may still be ours.
CLOCK_SKEW = timedelta(minutes=2)
# Pages of the account's list read when looking for a video whose create answer was lost.
LOOKUP_PAGES = 5


def rutube_link(video_id: str) -> str:
    return f"{RutubeProvider.url('RUTUBE_WEB_URL')}/video/{video_id}/"


@register
class RutubeProvider(PlatformProvider):
    platform = Platform.RUTUBE
    label = "Rutube"
    noun = Noun.indeclinable("Rutube")
    # Rutube's video form refuses longer fields (DRF-style 400 "no more than N characters").
    text_limits = TextLimits(title=100, description=5000)
    colour = "#D81B44"
    order = 20
    max_file_size = 10 * GB
    media_limits = MediaLimits(max_duration_seconds=5 * 3600, video_codecs=MODERN_CODECS)
    upload_timeout = 900.0
    supports_stats = True
    # Rutube downloads the clip from a signed URL; its create call is the whole send, and its
    # answer (the video id) is the first handle: a marker is stored before it instead.
    fetches_by_url = True
    outcome_unknown_hint = (
        "откройте Rutube Studio, раздел «Видео», и найдите {video} "
        "(обработка может занять несколько минут)."
    )
    account_rate = Rate(per_second=1.0, burst=1.0)  # unknown: be conservative
    worker_rate_limit = "2/s"
    base_urls = (
        BaseUrl("RUTUBE_API_URL", "https://rutube.ru/api", "rutube/api"),
        BaseUrl("RUTUBE_WEB_URL", "https://rutube.ru", "web/rutube"),
    )
    connect_fields = (
        ConnectField(
            name="token",
            label="Токен API Rutube",
            required_message="Вставьте токен Rutube.",
            secret=True,
        ),
    )

    def api_url(self) -> str:
        return self.url("RUTUBE_API_URL")

    @classmethod
    def connect_input(cls, values: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        token, extra = super().connect_input(values)
        if any(ch.isspace() for ch in token) or len(token) > 512:
            raise ConnectInputInvalid(
                "Токен Rutube вставлен с лишними символами. Скопируйте его заново целиком.",
                field="token",
                code="invalid_token",
            )
        return token, extra

    def connect_refusal(self, err: ProviderError) -> tuple[str, str, str]:
        if err.status == 403:
            return (
                "token",
                "У токена Rutube нет прав на загрузку видео. Создайте токен заново в "
                "настройках Rutube Studio и вставьте его.",
                "forbidden",
            )
        return super().connect_refusal(err)

    def invalid_token_message(self) -> str:
        return (
            "Rutube не принял токен: он неверный или отозван. Получите новый токен в "
            "Rutube Studio и вставьте его снова."
        )

    @classmethod
    def holds_upload(cls, handle: PlatformHandle) -> bool:
        # The handle is the platform's answer to the whole clip, or the marker of a create
        # call that went out: either way Rutube may have the clip.
        return True

    def auth_expired_message(self) -> str:
        return (
            "Токен Rutube недействителен или отозван. Получите новый токен в Rutube "
            "и подключите Rutube заново."
        )

    def error_details(self, payload: Any) -> tuple[str | int | None, str]:
        if isinstance(payload, Mapping):
            if isinstance(payload.get("detail"), str):
                return payload.get("code"), payload["detail"]
            # Django REST field errors: {"field": ["message", ...], ...}
            parts = []
            for name, value in payload.items():
                messages = value if isinstance(value, list) else [value]
                parts.append(f"{name}: {'; '.join(str(m) for m in messages)}")
            if parts:
                return None, ", ".join(parts)
        return super().error_details(payload)

    def call(self, method: str, path: str, credentials: Credentials, **kwargs: Any) -> Any:
        token = credentials.access_token
        return self.request_json(
            method,
            f"{self.api_url()}/{path.lstrip('/')}",
            headers={"Authorization": f"Token {token}", "Accept": "application/json"},
            secrets=[token],
            **kwargs,
        )

    # Connection --------------------------------------------------------------------------

    def verify(self, *, credentials: Credentials) -> AccountInfo:
        payload = self.call("GET", "/video/person/", credentials)
        # The answer is the user's video list; the author, when present, names the account.
        results = payload.get("results") if isinstance(payload, Mapping) else None
        author = (results[0] or {}).get("author") if results else None
        if isinstance(author, Mapping) and author.get("id"):
            return AccountInfo(
                account_id=str(author["id"]), account_name=str(author.get("name") or "Rutube")
            )
        return AccountInfo(account_id="", account_name="Rutube")

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
        if resume is not None:
            sent_at = resume.create_sent_at
            if sent_at is None:
                return self.check(credentials=credentials, handle=resume)
            # Our create call went out and its answer was lost: did Rutube make the video?
            found = self.find_created(credentials, meta=meta, since=sent_at)
            if found is not None:
                on_handle(found)
                progress(clip.size)
                return self.check(credentials=credentials, handle=found)
        if not clip.public_url:
            raise ValueError("Rutube publishes by URL: clip.public_url is required")
        # Rutube fetches the file later; make sure it is there before asking it to.
        with closing(self.open_clip(clip)):
            pass
        text = self.text_sent(title=meta.title, description=meta.description)
        body: dict[str, Any] = {
            "url": clip.public_url,
            "title": text.title,
            "description": text.description,
            "is_hidden": False,
        }
        category = credentials.extra.get("category_id")
        if category:
            body["category_id"] = int(category)
        # Rutube gives no id before this call: if its answer is lost, the next attempt finds
        # the video by the marker.
        on_handle(PlatformHandle.create_sent())
        answer = self.call("POST", "/video/", credentials, json=body, creates=True)
        video_id = str((answer or {}).get("video_id") or (answer or {}).get("id") or "")
        if not video_id:
            raise PermanentError(
                "Rutube не вернул идентификатор видео. Повторите публикацию позже.",
                platform=str(self.platform),
                platform_message=scrub(str(answer)[:300], [credentials.access_token]),
            )
        handle = PlatformHandle(id=video_id, data={"video_id": video_id})
        on_handle(handle)
        # Nothing more goes out from here: the hand-off is the whole "upload".
        progress(clip.size)
        return PublishResult(
            state=PublishState.PROCESSING, handle=handle, url=rutube_link(video_id)
        )

    def find_created(
        self, credentials: Credentials, *, meta: PublishMeta, since: datetime
    ) -> PlatformHandle | None:
        """The account's video made by a create call sent at ``since`` whose answer was lost:
        the oldest one with our title and description created since then (the list is newest
        first; a video without a readable ``created_ts`` is judged by its texts alone)."""
        not_before = since - CLOCK_SKEW
        title, description = meta.title.strip(), (meta.description or "").strip()
        match: Mapping[str, Any] | None = None
        for page in range(1, LOOKUP_PAGES + 1):
            payload = self.call("GET", "/video/person/", credentials, params={"page": page})
            results = payload.get("results") if isinstance(payload, Mapping) else None
            for video in results or []:
                if not isinstance(video, Mapping):
                    continue
                created = aware_time(video.get("created_ts"))
                if created is not None and created < not_before:
                    return _handle_of(match)  # older ones follow: none is ours
                if (
                    str(video.get("title") or "").strip() == title
                    and str(video.get("description") or "").strip() == description
                    and video.get("id")
                ):
                    match = video
            if not (isinstance(payload, Mapping) and payload.get("has_next")):
                break
        return _handle_of(match)

    def check(self, *, credentials: Credentials, handle: PlatformHandle) -> PublishResult:
        video = self.call("GET", f"/video/{handle.id}/", credentials)
        status = str((video or {}).get("status") or "ready")
        if status == "rejected":
            # The reason field is our assumption too (platform-apis.md); shown when present.
            reason = str((video or {}).get("rejection_reason") or "").strip().rstrip(".")
            raise Rejected(
                "Rutube отклонил видео на модерации"
                + (f": {scrub(reason)[:300]}" if reason else "")
                + ". Проверьте клип на соответствие правилам Rutube и опубликуйте его заново.",
                platform=str(self.platform),
                code="rejected",
            )
        state = PublishState.PUBLISHED if status == "ready" else PublishState.PROCESSING
        return PublishResult(state=state, handle=handle, url=rutube_link(handle.id))

    def fetch_stats(
        self, *, credentials: Credentials, handles: Sequence[PlatformHandle]
    ) -> dict[str, Stats]:
        result: dict[str, Stats] = {}
        for handle in handles:
            try:
                video = self.call("GET", f"/video/{handle.id}/", credentials)
            except AuthExpired:
                raise
            except ProviderError as err:
                if err.status == 404:
                    continue  # deleted on Rutube: left out, like other platforms' hidden items
                raise
            result[handle.id] = Stats(
                views=as_int(video.get("hits")),
                likes=as_int(video.get("likes_count")),
                comments=as_int(video.get("comments_count")),
                shares=0,
            )
        return result


def _handle_of(video: Mapping[str, Any] | None) -> PlatformHandle | None:
    if video is None:
        return None
    video_id = str(video["id"])
    return PlatformHandle(id=video_id, data={"video_id": video_id, "found_in_list": True})
