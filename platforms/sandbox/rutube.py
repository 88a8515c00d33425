"""Rutube API stand-in: ``/sandbox/rutube/api/...`` (DRF-style JSON errors, ``Token`` auth).

Publishing is by URL, as on Rutube: ``POST video/`` answers at once with a ``video_id`` and then
a background thread really downloads ``url`` (it may be served by this very process) and counts
its bytes. The video stays ``processing`` until the download ends and the processing delay has
passed, then is ``ready``; ``rejected`` when the download failed or a ``rejected`` fault says so.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

from platforms.constants import GB
from platforms.sandbox import faults, videos
from platforms.sandbox.endpoint import endpoint
from platforms.sandbox.faults import Fault
from platforms.sandbox.registry import SandboxPlatform, register
from platforms.sandbox.state import Store, get_store
from platforms.sandbox.tokens import TokenClaims, TokenError, mint_token, verify_token
from platforms.sandbox.videos import Video
from platforms.sandbox.web import watch_page, web_url
from platforms.sandbox.wire import BadBody, form_params, json_body, json_response

PLATFORM = "rutube"
FETCH_TIMEOUT = (10.0, 60.0)

logger = logging.getLogger(__name__)


class RutubeError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _fault(fault: Fault, method: str) -> HttpResponse:
    params = fault.params
    if fault.kind == "server_error":
        return json_response(
            {"detail": "Internal server error."}, status=int(params.get("status", 500))
        )
    if fault.kind == "rate_limit":
        retry_after = int(params.get("retry_after", 2))
        return json_response(
            {"detail": f"Request was throttled. Expected available in {retry_after} seconds."},
            status=429,
            Retry_After=str(retry_after),
        )
    if fault.kind == "auth_expired":
        return json_response({"detail": "Invalid token."}, status=401)
    return json_response(
        {"detail": params.get("message") or "Bad request."}, status=int(params.get("status", 400))
    )


def _auth(request: HttpRequest, *, required: bool = True) -> TokenClaims | None:
    header = request.headers.get("Authorization", "")
    if not header:
        if required:
            raise RutubeError(401, {"detail": "Authentication credentials were not provided."})
        return None
    scheme, _, token = header.partition(" ")
    if scheme != "Token" or not token.strip():
        raise RutubeError(401, {"detail": "Invalid token header. No credentials provided."})
    try:
        return verify_token(token.strip(), platform=PLATFORM)
    except TokenError as exc:
        raise RutubeError(401, {"detail": "Invalid token."}) from exc


def _status(video: Video, now: float) -> str:
    if video.status == "rejected":
        return "rejected"
    return "ready" if video.is_ready(now) else "processing"


def video_object(video: Video, now: float) -> dict[str, Any]:
    stats = video.stats(now)
    data: dict[str, Any] = {
        "id": video.id,
        "title": video.title,
        "description": video.description,
        "status": _status(video, now),
        "hits": stats["views"],
        "comments_count": stats["comments"],
        "likes_count": stats["likes"],
        "duration": int(video.extra.get("duration", 0)),
        "created_ts": datetime.fromtimestamp(video.created_at, UTC).isoformat(),
        "video_url": web_url("rutube", f"video/{video.id}/"),
        "is_hidden": bool(video.extra.get("is_hidden")),
        "category": {"id": video.extra.get("category_id")},
        "author": {"id": int(video.account), "name": video.extra.get("author_name", "")},
    }
    if data["status"] == "rejected":
        data["rejection_reason"] = video.extra.get("rejection_reason", "")
    return data


def _payload(request: HttpRequest) -> dict[str, Any]:
    if (request.content_type or "") == "application/json":
        body = json_body(request)
        if body is None:
            raise RutubeError(400, {"detail": "JSON parse error."})
        return body
    try:
        params, _files = form_params(request)
    except BadBody as exc:
        raise RutubeError(400, {"detail": "Malformed request body."}) from exc
    return params


def _valid_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _create(request: HttpRequest, claims: TokenClaims) -> dict[str, Any]:
    data = _payload(request)
    errors: dict[str, list[str]] = {}
    url = data.get("url")
    title = data.get("title")
    if not url:
        errors["url"] = ["This field is required."]
    elif not isinstance(url, str) or not _valid_url(url):
        errors["url"] = ["Enter a valid URL."]
    if not title:
        errors["title"] = ["This field is required."]
    elif not isinstance(title, str) or len(title) > 100:
        errors["title"] = ["Ensure this field has no more than 100 characters."]
    description = data.get("description") or ""
    if not isinstance(description, str) or len(description) > 5000:
        errors["description"] = ["Ensure this field has no more than 5000 characters."]
    category_id = data.get("category_id")
    if category_id not in (None, ""):
        try:
            category_id = int(category_id)
        except (TypeError, ValueError):
            errors["category_id"] = ["A valid integer is required."]
    if errors:
        raise RutubeError(400, errors)
    store = get_store()
    rejection = faults.take(
        store, platform=PLATFORM, method="video.create", kinds=frozenset({"rejected"})
    )
    video = videos.create(
        store,
        Video(
            platform=PLATFORM,
            id=uuid.uuid4().hex,
            account=claims.account,
            owner_id=int(claims.account),
            title=str(title),
            description=description,
            status="processing",
            created_at=store.now(),
            source_url=str(url),
            extra={
                "is_hidden": data.get("is_hidden") in (True, "true", "1", 1),
                "category_id": category_id,
                "callback_url": data.get("callback_url"),
                "author_name": claims.name,
            },
        ),
    )
    reason = (rejection.params.get("reason") or "Видео отклонено модерацией") if rejection else None
    threading.Thread(
        target=fetch_source,
        args=(store, video.id, str(url), reason),
        daemon=True,
        name=f"sandbox-rutube-fetch-{video.id[:8]}",
    ).start()
    return {"video_id": video.id}


def fetch_source(store: Store, video_id: str, url: str, reject_reason: str | None = None) -> None:
    """Download the clip as Rutube would, counting bytes; then start processing or reject."""
    limit = videos.upload_limit(store, PLATFORM)
    received = 0
    failure: str | None = None
    try:
        with requests.get(
            url,
            stream=True,
            timeout=FETCH_TIMEOUT,
            headers={"User-Agent": getattr(settings, "PLATFORM_USER_AGENT", "") or "RutubeBot"},
        ) as response:
            if response.status_code != 200:
                failure = f"Не удалось скачать файл по ссылке (HTTP {response.status_code})"
            else:
                for chunk in response.iter_content(1024 * 1024):
                    received += len(chunk)
                    if received > limit:
                        failure = "Файл слишком большой"
                        break
    except requests.RequestException as exc:
        failure = f"Не удалось скачать файл по ссылке ({type(exc).__name__})"
    if failure is None and received == 0:
        failure = "Файл по ссылке пуст"
    video = videos.get(store, PLATFORM, video_id)
    if video is None:  # the state was reset meanwhile
        return
    extra = {**video.extra, "fetched_bytes": received}
    if failure or reject_reason:
        extra["rejection_reason"] = failure or reject_reason
        videos.update(
            store,
            PLATFORM,
            video_id,
            status="rejected",
            bytes=received,
            uploads=1,
            uploaded_at=store.now(),
            extra=extra,
        )
        return
    videos.update(store, PLATFORM, video_id, extra=extra)
    videos.mark_uploaded(store, PLATFORM, video_id, received)


@endpoint(PLATFORM, "video.person", _fault)
def person_videos(request: HttpRequest) -> HttpResponse:
    try:
        claims = _auth(request)
    except RutubeError as exc:
        return json_response(exc.body, status=exc.status)
    assert claims is not None
    store = get_store()
    now = store.now()
    mine = [v for v in reversed(videos.listing(store, PLATFORM, claims.account))]
    return json_response(
        {
            "has_next": False,
            "next": None,
            "previous": None,
            "page": 1,
            "per_page": 20,
            "results": [video_object(v, now) for v in mine[:20]],
        }
    )


@endpoint(PLATFORM, "video.create", _fault)
def create_video(request: HttpRequest) -> HttpResponse:
    try:
        if request.method != "POST":
            raise RutubeError(405, {"detail": f'Method "{request.method}" not allowed.'})
        claims = _auth(request)
        assert claims is not None
        return json_response(_create(request, claims))
    except RutubeError as exc:
        return json_response(exc.body, status=exc.status)


@endpoint(PLATFORM, "video.get", _fault)
def video_detail(request: HttpRequest, video_id: str) -> HttpResponse:
    try:
        _auth(request, required=False)
    except RutubeError as exc:
        return json_response(exc.body, status=exc.status)
    store = get_store()
    video = videos.get(store, PLATFORM, video_id)
    if video is None:
        return json_response({"detail": "Not found."}, status=404)
    return json_response(video_object(video, store.now()))


# --- Registration -----------------------------------------------------------------------------


def issue_credentials(**params: Any) -> dict[str, Any]:
    """``{"token", "account_id", "account_name"}``: an API token as Rutube Studio gives one."""
    name = str(params.get("account_name") or "Демо-автор")
    account = str(200_000_000 + get_store().next_value("rutube_account", 1))
    return {
        "token": mint_token(PLATFORM, account, ttl=0, name=name),
        "account_id": account,
        "account_name": name,
    }


def demo_connection(name: str) -> dict[str, Any]:
    creds = issue_credentials(account_name=name)
    return {
        "access_token": creds["token"],
        "account_id": creds["account_id"],
        "account_name": creds["account_name"],
    }


def watch(request: HttpRequest, video_id: str) -> HttpResponse:
    return watch_page(request, PLATFORM, video_id)


register(
    SandboxPlatform(
        name=PLATFORM,
        label="Rutube",
        urlpatterns=[
            path("rutube/api/video/person/", person_videos, name="rutube-person"),
            path("rutube/api/video/", create_video, name="rutube-create"),
            path("rutube/api/video/<str:video_id>/", video_detail, name="rutube-video"),
            path("web/rutube/video/<str:video_id>/", watch, name="web-rutube"),
        ],
        issue_credentials=issue_credentials,
        demo_connection=demo_connection,
        upload_limit=lambda: 10 * GB,
        own_fault_kinds=frozenset({"rejected"}),
    )
)
