"""Дзен publishing API stand-in (our assumed contract, platform-apis.md): ``/sandbox/dzen/v1/...``.

``Authorization: OAuth <token>`` (tokens from the Yandex OAuth stand-in). ``POST v1/videos``
creates a draft and gives an ``upload_url``; ``PUT upload_url`` takes the raw file
(``Content-Type: video/mp4``), streamed; ``POST v1/videos/<id>/publish`` starts processing
(``processing`` → ``published``); ``GET v1/videos/<id>``; ``GET v1/videos/stats?ids=``;
``GET v1/me``; ``GET v1/videos?status=created`` lists the channel's videos without a file,
newest first, each with a fresh ``upload_url`` (the adapter reuses one a lost create answer
left behind). Before publishing a video's status is ``created`` (no file yet) or ``uploaded``.
Errors: ``{"error": {"code", "message"}}``; 429 carries ``Retry-After``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt

from platforms.constants import GB
from platforms.providers import get_provider
from platforms.sandbox import oauth, videos
from platforms.sandbox.endpoint import endpoint
from platforms.sandbox.faults import Fault
from platforms.sandbox.oauth import OAuthServer
from platforms.sandbox.registry import SandboxPlatform, register
from platforms.sandbox.state import get_store
from platforms.sandbox.tokens import TokenClaims, TokenError, mint_token, verify_token
from platforms.sandbox.videos import Video
from platforms.sandbox.web import watch_page, web_url
from platforms.sandbox.wire import json_body, json_response, read_body_counted

PLATFORM = "dzen"
STATS_MAX_IDS = 100
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/webm", "application/octet-stream"})


class DzenError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


def _error(status: int, code: str, message: str, **headers: str) -> HttpResponse:
    return json_response({"error": {"code": code, "message": message}}, status=status, **headers)


def _fault(fault: Fault, method: str) -> HttpResponse:
    params = fault.params
    if fault.kind == "server_error":
        return _error(int(params.get("status", 500)), "internal_error", "Internal server error")
    if fault.kind == "rate_limit":
        retry_after = int(params.get("retry_after", 2))
        return _error(429, "too_many_requests", "Too many requests", Retry_After=str(retry_after))
    if fault.kind == "auth_expired":
        return _error(401, "unauthorized", "OAuth token has expired")
    status = int(params.get("status", 400))
    return _error(status, params.get("code") or "error", params.get("message") or "Error")


def _auth(request: HttpRequest) -> TokenClaims:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme != "OAuth" or not token.strip():
        raise DzenError(401, "unauthorized", "Authorization: OAuth <token> header is required")
    try:
        return verify_token(token.strip(), platform=PLATFORM)
    except TokenError as exc:
        if exc.reason == "expired":
            raise DzenError(401, "unauthorized", "OAuth token has expired") from exc
        raise DzenError(401, "unauthorized", "OAuth token is invalid") from exc


def _status(video: Video, now: float) -> str:
    if not video.extra.get("published"):
        return "uploaded" if video.uploaded_at else "created"
    return "published" if video.is_ready(now) else "processing"


def video_object(video: Video, now: float) -> dict[str, Any]:
    return {
        "id": video.id,
        "title": video.title,
        "description": video.description,
        "status": _status(video, now),
        "size": video.bytes,
        "url": web_url("dzen", f"video/watch/{video.id}"),
    }


def _own_video(claims: TokenClaims, video_id: str) -> Video:
    video = videos.get(get_store(), PLATFORM, video_id)
    if video is None or video.account != claims.account:
        raise DzenError(404, "not_found", "Video not found")
    return video


def _answer(handler: Any) -> HttpResponse:
    try:
        data, status = handler()
    except DzenError as exc:
        return _error(exc.status, exc.code, exc.message)
    return json_response(data, status=status)


@endpoint(PLATFORM, "videos.create", _fault)
def create_video(request: HttpRequest) -> HttpResponse:
    def handle() -> tuple[dict[str, Any], int]:
        if request.method != "POST":
            raise DzenError(405, "method_not_allowed", "Use POST")
        claims = _auth(request)
        if (request.content_type or "") != "application/json":
            raise DzenError(415, "unsupported_media_type", "Send a JSON body")
        body = json_body(request)
        if body is None:
            raise DzenError(400, "invalid_json", "Body is not a JSON object")
        title = body.get("title")
        if not title or not isinstance(title, str):
            raise DzenError(400, "invalid_parameter", "title is required")
        if len(title) > 200:
            raise DzenError(400, "invalid_parameter", "title is longer than 200 characters")
        description = body.get("description") or ""
        if not isinstance(description, str) or len(description) > 5000:
            raise DzenError(400, "invalid_parameter", "description is longer than 5000 characters")
        store = get_store()
        video = videos.create(
            store,
            Video(
                platform=PLATFORM,
                id=uuid.uuid4().hex[:24],
                account=claims.account,
                owner_id=None,
                title=title,
                description=description,
                status="created",
                created_at=store.now(),
            ),
        )
        return {"id": video.id, "upload_url": _upload_url(request, video)}, 201

    return _answer(handle)


LIST_MAX = 100


def _upload_url(request: HttpRequest, video: Video) -> str:
    ticket = mint_token("dzenupload", video.id, kind="upload", ttl=24 * 3600)
    return request.build_absolute_uri(reverse("sandbox:dzen-upload", args=[ticket]))


@endpoint(PLATFORM, "videos.list", _fault)
def list_videos(request: HttpRequest) -> HttpResponse:
    def handle() -> tuple[dict[str, Any], int]:
        claims = _auth(request)
        wanted = request.GET.get("status") or None
        store = get_store()
        now = store.now()
        items = []
        for video in reversed(videos.listing(store, PLATFORM, claims.account)):
            item = video_object(video, now)
            if wanted is not None and item["status"] != wanted:
                continue
            item["created_at"] = datetime.fromtimestamp(video.created_at, UTC).isoformat()
            if item["status"] == "created":
                item["upload_url"] = _upload_url(request, video)
            items.append(item)
            if len(items) == LIST_MAX:
                break
        return {"items": items}, 200

    return _answer(handle)


@csrf_exempt
def videos_collection(request: HttpRequest) -> HttpResponse:
    """``/v1/videos``: GET lists, POST (anything else) creates — each journaled as its own."""
    return list_videos(request) if request.method == "GET" else create_video(request)


@endpoint(PLATFORM, "upload", _fault)
def upload(request: HttpRequest, ticket: str) -> HttpResponse:
    def handle() -> tuple[dict[str, Any], int]:
        if request.method != "PUT":
            raise DzenError(405, "method_not_allowed", "Use PUT with the raw file as the body")
        try:
            claims = verify_token(ticket, platform="dzenupload", kind="upload")
        except TokenError as exc:
            raise DzenError(
                403, "invalid_upload_url", "Upload URL is invalid or has expired"
            ) from exc
        store = get_store()
        video = videos.get(store, PLATFORM, claims.account)
        if video is None:
            raise DzenError(404, "not_found", "Video not found")
        content_type = request.content_type or ""
        if content_type not in VIDEO_TYPES:
            raise DzenError(415, "unsupported_media_type", "Content-Type must be video/mp4")
        limit = videos.upload_limit(store, PLATFORM)
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        size = read_body_counted(request)
        if size != declared:
            raise DzenError(400, "incomplete_upload", "Body is shorter than Content-Length")
        if size > limit:
            raise DzenError(413, "file_too_large", f"File is larger than {limit} bytes")
        if size == 0:
            raise DzenError(400, "empty_file", "File is empty")
        videos.mark_uploaded(store, PLATFORM, video.id, size, ready=False)
        return {"id": video.id, "size": size}, 200

    return _answer(handle)


@endpoint(PLATFORM, "videos.publish", _fault)
def publish(request: HttpRequest, video_id: str) -> HttpResponse:
    def handle() -> tuple[dict[str, Any], int]:
        if request.method != "POST":
            raise DzenError(405, "method_not_allowed", "Use POST")
        claims = _auth(request)
        video = _own_video(claims, video_id)
        if not video.uploaded_at:
            raise DzenError(409, "not_uploaded", "Upload the file before publishing")
        store = get_store()
        if not video.extra.get("published"):
            now = store.now()
            videos.update(
                store,
                PLATFORM,
                video.id,
                status="processing",
                ready_at=now + videos.processing_seconds(store),
                extra={**video.extra, "published": True, "published_requested_at": now},
            )
            video = _own_video(claims, video_id)
        return video_object(video, store.now()), 200

    return _answer(handle)


@endpoint(PLATFORM, "videos.get", _fault)
def video_detail(request: HttpRequest, video_id: str) -> HttpResponse:
    def handle() -> tuple[dict[str, Any], int]:
        claims = _auth(request)
        return video_object(_own_video(claims, video_id), get_store().now()), 200

    return _answer(handle)


@endpoint(PLATFORM, "videos.stats", _fault)
def stats(request: HttpRequest) -> HttpResponse:
    def handle() -> tuple[dict[str, Any], int]:
        claims = _auth(request)
        ids = [part.strip() for part in request.GET.get("ids", "").split(",") if part.strip()]
        if not ids:
            raise DzenError(400, "invalid_parameter", "ids is required")
        if len(ids) > STATS_MAX_IDS:
            raise DzenError(400, "invalid_parameter", f"ids takes at most {STATS_MAX_IDS} ids")
        store = get_store()
        now = store.now()
        items = []
        for video in videos.get_many(store, PLATFORM, ids):
            if video.account == claims.account:
                items.append({"id": video.id, **video.stats(now)})
        return {"items": items}, 200

    return _answer(handle)


@endpoint(PLATFORM, "me", _fault)
def me(request: HttpRequest) -> HttpResponse:
    def handle() -> tuple[dict[str, Any], int]:
        claims = _auth(request)
        return {
            "id": claims.account,
            "name": claims.name or f"Канал песочницы {claims.account}",
        }, 200

    return _answer(handle)


# --- Registration -----------------------------------------------------------------------------

YANDEX = OAuthServer(
    "yandex", PLATFORM, "Яндекс ID", "zen:write", requires_state=False, vk_style=False
)


def watch(request: HttpRequest, video_id: str) -> HttpResponse:
    return watch_page(request, PLATFORM, video_id)


def _client_id() -> str:
    return get_provider(PLATFORM).client_id()  # type: ignore[attr-defined]


register(
    SandboxPlatform(
        name=PLATFORM,
        label="Дзен",
        urlpatterns=[
            path("dzen/v1/me", me, name="dzen-me"),
            path("dzen/v1/videos", videos_collection, name="dzen-videos"),
            path("dzen/v1/videos/stats", stats, name="dzen-stats"),
            path("dzen/v1/videos/<str:video_id>", video_detail, name="dzen-video"),
            path("dzen/v1/videos/<str:video_id>/publish", publish, name="dzen-publish"),
            path("dzen/upload/<str:ticket>", upload, name="dzen-upload"),
            path("yandex-oauth/authorize", oauth.authorize_view(YANDEX), name="yandex-authorize"),
            path("yandex-oauth/token", oauth.token_view(YANDEX), name="yandex-token"),
            path("web/dzen/video/watch/<str:video_id>", watch, name="web-dzen"),
        ],
        issue_credentials=lambda **params: oauth.issue_credentials(
            YANDEX, client_id=_client_id(), **params
        ),
        demo_connection=lambda name: oauth.demo_connection(
            YANDEX, client_id=_client_id(), name=name
        ),
        upload_limit=lambda: 4 * GB,
        fault_targets=(PLATFORM, YANDEX.key),
    )
)
