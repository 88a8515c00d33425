"""VK's clips methods, wall posts and deletions in the sandbox: ``shortVideo.create``,
``shortVideo.edit``, ``shortVideo.publish``, ``wall.post``, ``video.delete``.

As the public clients that publish Клипы describe VK (platform-apis.md, "VK Клипы"):
``shortVideo.create`` (``file_size`` in bytes or kilobytes, ``group_id``) makes a private draft
and answers ``{upload_url, video_id, owner_id}``; the file goes to the upload URL in the field
``file``; ``shortVideo.edit`` sets the description; ``shortVideo.publish`` (``license_agree=1``)
answers error 3001 while the upload is still processing, then publishes (``{wall_post_id}``
when ``wallpost=1``). A draft is not listed by ``video.get`` by id until published (the
owner's own listing shows everything they have). An account can be made *refused* (``control.
set_vk_clips_refused``): every clips method then answers it error 15 (or the code set), as VK
does for accounts it does not let use them. Errors come inside HTTP 200 like every VK error.

``wall.post`` (``owner_id``, ``from_group``, ``message``, ``attachments=video{owner}_{id}``,
``guid``) records a post on the video it attaches; the same ``guid`` on the same wall answers
the same post (VK's guard against posting twice).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from platforms.sandbox import videos
from platforms.sandbox.state import Store
from platforms.sandbox.tokens import mint_token
from platforms.sandbox.videos import Video
from platforms.sandbox.vk_groups import check_group

PLATFORM = "vk"
CLIP_METHODS = frozenset({"shortVideo.create", "shortVideo.edit", "shortVideo.publish"})
METHODS = CLIP_METHODS | {"wall.post", "video.delete"}
STILL_PROCESSING = 3001
CLIPS_MIN_VERSION = (5, 249)
FIRST_POST_ID = 101


class ClipsError(Exception):
    """A VK API error of these methods; ``vk.py`` answers it like its own (code, message)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def _bad(name: str, why: str = "is invalid") -> ClipsError:
    return ClipsError(100, f"One of the parameters specified was missing or invalid: {name} {why}")


def _int(params: dict[str, str], name: str, *, required: bool = False) -> int | None:
    raw = params.get(name, "")
    if raw == "":
        if required:
            raise _bad(name, "is missing")
        return None
    if not raw.lstrip("-").isdigit():
        raise _bad(name, "not integer")
    return int(raw)


def _refused_key(user_id: int) -> str:
    return f"vk_clips_refused:{user_id}"


def set_refused(store: Store, user_id: int, code: int | None) -> None:
    """Make the account refused by the clips methods (``code`` 15 or 7), or allowed (None)."""
    store.set_value(_refused_key(user_id), code)


def _version_ok(version: str) -> bool:
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= CLIPS_MIN_VERSION


def _video(store: Store, user_id: int, params: dict[str, str]) -> Video:
    owner_id = _int(params, "owner_id", required=True)
    video_id = _int(params, "video_id", required=True)
    video = videos.get(store, PLATFORM, str(video_id))
    if video is None or video.owner_id != owner_id:
        raise ClipsError(
            15 if video is not None else 100, "Access denied" if video else "Video not found"
        )
    if video.account != str(user_id):
        raise ClipsError(15, "Access denied: it is not your video")
    return video


def _clip(store: Store, user_id: int, params: dict[str, str]) -> Video:
    video = _video(store, user_id, params)
    if video.extra.get("kind") != "clip":
        raise ClipsError(100, "One of the parameters specified was missing or invalid: not a clip")
    return video


def call(
    request: HttpRequest, store: Store, user_id: int, method: str, params: dict[str, str]
) -> Any:
    """Answer one of ``METHODS`` (the ``response`` value), or raise ``ClipsError``."""
    if method in CLIP_METHODS:
        refused = store.get_value(_refused_key(user_id))
        if refused:
            raise ClipsError(int(refused), "Access denied")
        if not _version_ok(params.get("v", "")):
            raise ClipsError(3, "Unknown method passed: shortVideo.* needs v=5.249 or newer")
    if method == "shortVideo.create":
        return _create(request, store, user_id, params)
    if method == "shortVideo.edit":
        return _edit(store, user_id, params)
    if method == "shortVideo.publish":
        return _publish(store, user_id, params)
    if method == "wall.post":
        return _wall_post(store, user_id, params)
    return _delete(store, user_id, params)


def _create(
    request: HttpRequest, store: Store, user_id: int, params: dict[str, str]
) -> dict[str, Any]:
    file_size = _int(params, "file_size", required=True)
    if not file_size or file_size <= 0:
        raise _bad("file_size", "should be positive")
    group_id = _int(params, "group_id")
    if group_id:
        check_group(store, user_id, group_id)
    owner_id = -group_id if group_id else user_id
    video_id = store.next_value("vk_video", 456239017)
    videos.create(
        store,
        Video(
            platform=PLATFORM,
            id=str(video_id),
            account=str(user_id),
            owner_id=owner_id,
            title="",
            description="",
            status="created",
            created_at=store.now(),
            extra={
                "kind": "clip",
                "is_short": True,
                "published": False,
                "file_size": file_size,
                "group_id": group_id,
                "access_key": secrets.token_hex(9),
            },
        ),
    )
    ticket = mint_token("vkupload", f"{owner_id}_{video_id}", kind="upload", ttl=24 * 3600)
    upload_url = request.build_absolute_uri(reverse("sandbox:vk-upload", args=[ticket]))
    return {"upload_url": upload_url, "video_id": video_id, "owner_id": owner_id}


def _edit(store: Store, user_id: int, params: dict[str, str]) -> int:
    clip = _clip(store, user_id, params)
    description = params.get("description", "")
    if len(description) > 5000:
        raise _bad("description", "is too long")
    extra = {**clip.extra, "privacy_view": params.get("privacy_view", "all")}
    # A Клип's first line is what VK shows as its name.
    title = description.strip().splitlines()[0][:128] if description.strip() else ""
    videos.update(store, PLATFORM, clip.id, description=description, title=title, extra=extra)
    return 1


def _publish(store: Store, user_id: int, params: dict[str, str]) -> dict[str, Any]:
    clip = _clip(store, user_id, params)
    if params.get("license_agree") not in ("1", "true"):
        raise _bad("license_agree", "should be 1")
    if clip.extra.get("published"):
        raise ClipsError(100, "One of the parameters specified was missing or invalid: published")
    if clip.uploaded_at is None or not clip.is_ready(store.now()):
        raise ClipsError(STILL_PROCESSING, "Video is still processing, try again later")
    extra = {**clip.extra, "published": True, "published_at": store.now()}
    answer: dict[str, Any] = {}
    if params.get("wallpost") in ("1", "true"):
        post_id = _new_post(store, clip, message=clip.description, from_group=clip.owner_id < 0)
        extra["wall_post_id"] = post_id
        answer["wall_post_id"] = post_id
    videos.update(store, PLATFORM, clip.id, extra=extra)
    return answer


def _new_post(store: Store, video: Video, *, message: str, from_group: bool) -> int:
    post_id = store.next_value(f"vk_wall:{video.owner_id}", FIRST_POST_ID)
    store.set_value(
        f"vk_post:{video.owner_id}_{post_id}",
        {"video_id": video.id, "message": message, "from_group": from_group},
    )
    return post_id


def _wall_post(store: Store, user_id: int, params: dict[str, str]) -> dict[str, Any]:
    owner_id = _int(params, "owner_id") or user_id
    from_group = params.get("from_group") in ("1", "true")
    if owner_id < 0:
        check_group(store, user_id, -owner_id)
    elif owner_id != user_id:
        raise ClipsError(214, "Access to adding post denied")
    if from_group and owner_id > 0:
        raise _bad("from_group", "is only for a community wall")
    attachment = params.get("attachments", "")
    if not attachment.startswith("video") or "_" not in attachment:
        raise _bad("attachments")
    ref_owner, _, ref_id = attachment[len("video") :].partition("_")
    video = videos.get(store, PLATFORM, ref_id.split("_")[0])
    if video is None or str(video.owner_id) != ref_owner:
        raise ClipsError(100, "One of the parameters specified was missing or invalid: attachments")
    guid = params.get("guid", "")
    guid_key = f"vk_guid:{owner_id}:{guid}"
    if guid and store.get_value(guid_key):
        return {"post_id": int(store.get_value(guid_key))}
    post_id = _new_post(store, video, message=params.get("message", ""), from_group=from_group)
    if guid:
        store.set_value(guid_key, post_id)
    posts = [*video.extra.get("wall_posts", []), post_id]
    videos.update(store, PLATFORM, video.id, extra={**video.extra, "wall_posts": posts})
    return {"post_id": post_id}


def _delete(store: Store, user_id: int, params: dict[str, str]) -> int:
    video = _video(store, user_id, params)
    videos.delete(store, PLATFORM, video.id)
    return 1


def post(store: Store, owner_id: str, post_id: str) -> dict[str, Any] | None:
    """A wall post the sandbox holds: ``{"video_id", "message", "from_group"}``."""
    value = store.get_value(f"vk_post:{owner_id}_{post_id}")
    return dict(value) if value else None
