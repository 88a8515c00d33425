"""VK's public pages in the sandbox: a Клип (``vk.com/clip{owner}_{id}``), a video
(``vk.com/video{owner}_{id}``) and a wall post (``vk.com/wall{owner}_{post}``).

A Клип's page says it is a Клип, and whether it is published or still a draft; a video's page
lists the wall posts it is attached to; a wall post's page shows the post's text and the video
it carries. A link of the wrong kind (``clip…`` for an ordinary video) says so, as VK would not
show a video as a Клип.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from platforms.sandbox import videos as video_store
from platforms.sandbox import vk_clips
from platforms.sandbox.state import get_store
from platforms.sandbox.web import watch_page, web_url

PLATFORM = "vk"


def _describe(video_id: str, owner_id: str, kind: str) -> dict[str, Any]:
    video = video_store.get(get_store(), PLATFORM, video_id)
    if video is None or str(video.owner_id) != owner_id:
        return {}
    is_clip = video.extra.get("kind") == "clip"
    posts = []
    for post_id in video.extra.get("wall_posts", []) + (
        [video.extra["wall_post_id"]] if video.extra.get("wall_post_id") else []
    ):
        posts.append({"id": post_id, "url": web_url(PLATFORM, f"wall{owner_id}_{post_id}")})
    return {
        "vk_kind": "Клип" if is_clip else "Видео",
        "vk_kind_mismatch": (kind == "clip") != is_clip,
        "vk_draft": is_clip and not video.extra.get("published"),
        "vk_wall_posts": posts,
        "vk_place": "сообщество"
        if video.owner_id is not None and video.owner_id < 0
        else "страница",
    }


def watch(request: HttpRequest, kind: str, owner_id: str, video_id: str) -> HttpResponse:
    return watch_page(request, PLATFORM, video_id, _describe(video_id, owner_id, kind))


def wall_page(request: HttpRequest, owner_id: str, post_id: str) -> HttpResponse:
    post = vk_clips.post(get_store(), owner_id, post_id)
    if post is None:
        return render(request, "sandbox/watch.html", {"label": "VK", "video": None}, status=404)
    video_id = str(post["video_id"])
    extra = _describe(video_id, owner_id, "video")
    extra["vk_post"] = {"id": post_id, "message": post["message"], "from_group": post["from_group"]}
    return watch_page(request, PLATFORM, video_id, extra)
