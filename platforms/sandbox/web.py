"""The sandbox's "public site": the pages a post link opens (vk.com/clip…, t.me/…, rutube.ru/
video/…, dzen.ru/video/watch/…), so links in the product work on one machine.

Each page shows what the sandbox platform holds for that post: title, status, bytes received
and the current stats. Each platform's module routes its own link shapes to ``watch_page``; the
adapters' ``*_WEB_URL`` base URLs point here when the sandbox is on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from platforms.providers import provider_class
from platforms.sandbox import videos as video_store
from platforms.sandbox.state import get_store


def web_url(platform: str, path: str) -> str:
    """A link on the platform's public site (the sandbox's pages when it is on)."""
    web = next(
        spec for spec in provider_class(platform).base_urls if spec.setting.endswith("WEB_URL")
    )
    return f"{provider_class(platform).url(web.setting)}/{path.lstrip('/')}"


def watch_page(
    request: HttpRequest,
    platform: str,
    video_id: str | None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page a post link opens: what the sandbox holds for that post (404 when nothing).
    ``extra``: what the platform's module adds (VK: Клип or video, its wall post)."""
    from platforms.sandbox.registry import sandbox

    label = sandbox(platform).label
    store = get_store()
    video = video_store.get(store, platform, video_id) if video_id else None
    if video is None:
        return render(request, "sandbox/watch.html", {"label": label, "video": None}, status=404)
    now = store.now()
    return render(
        request,
        "sandbox/watch.html",
        {
            "label": label,
            "video": video,
            "ready": video.is_ready(now),
            "stats": video.stats(now),
            "created": datetime.fromtimestamp(video.created_at, UTC),
            **(extra or {}),
        },
    )
