"""The sandbox's "public site": the pages a post link opens (vk.com/clip…, t.me/…, rutube.ru/
video/…, dzen.ru/video/watch/…), so links in the product work on one machine.

Each page shows what the sandbox platform holds for that post: title, status, bytes received
and the current stats. The ``*_WEB_URL`` settings point the providers' links here when the
sandbox is on.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from platforms.providers import provider_class
from platforms.sandbox import telegram
from platforms.sandbox import videos as video_store
from platforms.sandbox.state import get_store

LABELS = {"vk": "VK Клипы", "telegram": "Telegram", "rutube": "Rutube", "dzen": "Дзен"}
WEB_SETTINGS = {
    "vk": "VK_WEB_URL",
    "telegram": "TELEGRAM_WEB_URL",
    "rutube": "RUTUBE_WEB_URL",
    "dzen": "DZEN_WEB_URL",
}


def web_url(platform: str, path: str) -> str:
    """A link on the platform's public site (the sandbox's pages when it is on)."""
    return f"{provider_class(platform).url(WEB_SETTINGS[platform])}/{path.lstrip('/')}"


def _page(request: HttpRequest, platform: str, video_id: str | None) -> HttpResponse:
    store = get_store()
    video = video_store.get(store, platform, video_id) if video_id else None
    if video is None:
        return render(
            request, "sandbox/watch.html", {"label": LABELS[platform], "video": None}, status=404
        )
    now = store.now()
    return render(
        request,
        "sandbox/watch.html",
        {
            "label": LABELS[platform],
            "video": video,
            "ready": video.is_ready(now),
            "stats": video.stats(now),
            "created": datetime.fromtimestamp(video.created_at, UTC),
        },
    )


def vk_post(request: HttpRequest, kind: str, owner_id: str, video_id: str) -> HttpResponse:
    return _page(request, "vk", video_id)


def telegram_public_post(request: HttpRequest, username: str, message_id: int) -> HttpResponse:
    channel = telegram.find_chat(get_store(), f"@{username}")
    video_id = f"{channel.chat_id}_{message_id}" if channel else None
    return _page(request, "telegram", video_id)


def telegram_private_post(request: HttpRequest, internal_id: str, message_id: int) -> HttpResponse:
    return _page(request, "telegram", f"-100{internal_id}_{message_id}")


def rutube_video(request: HttpRequest, video_id: str) -> HttpResponse:
    return _page(request, "rutube", video_id)


def dzen_video(request: HttpRequest, video_id: str) -> HttpResponse:
    return _page(request, "dzen", video_id)
