"""A lost answer to video.save / shortVideo.create leaves no debris: the retry finds what the
call made (the owner's newest videos, no file, made since the call) and deletes it first."""

from __future__ import annotations

import time

import pytest

from platforms.providers import Credentials, PlatformHandle, TransientError, get_provider

from .support import META, Recorder, form, make_clip
from .vk_support import (
    API,
    CLIP_UPLOADED,
    CREATED,
    CREDS,
    GROUP_ID,
    SAVED,
    TOKEN,
    UPLOAD_URL,
    UPLOADED,
    VIDEO_CREDS,
    vk_ok,
)


@pytest.fixture
def vk():
    return get_provider("vk")


def placeholder(mode: str, sent_at: int) -> PlatformHandle:
    return PlatformHandle(id="", data={"mode": mode, "name": META.title, "create_sent_at": sent_at})


@pytest.mark.parametrize(
    ("mode", "create"), [("video", "video.save"), ("clip", "shortVideo.create")]
)
def test_a_lost_create_answer_leaves_a_placeholder_for_the_retry(api, vk, mode, create):
    api.post(f"{API}/{create}", body=TransientError("connection aborted"))
    recorder = Recorder()
    creds = VIDEO_CREDS if mode == "video" else CREDS

    with pytest.raises(TransientError):
        vk.publish(credentials=creds, clip=make_clip(), meta=META, resume=None, **recorder.kwargs())

    (stored,) = recorder.handles
    assert stored.id == "" and stored.data["mode"] == mode and stored.data["name"] == META.title
    assert vk.leaves_draft(stored) is False


def test_the_retry_of_a_lost_video_save_deletes_the_empty_video_then_saves_once(api, vk):
    now = int(time.time())
    api.post(
        f"{API}/video.get",
        json=vk_ok(
            {
                "count": 4,
                "items": [
                    {"id": 9, "owner_id": 1234, "title": META.title, "date": now, "duration": 0},
                    # Not ours: it has a file, another title, or is older than our call.
                    {"id": 8, "owner_id": 1234, "title": META.title, "date": now, "duration": 15},
                    {"id": 7, "owner_id": 1234, "title": "Другое", "date": now, "duration": 0},
                    {"id": 6, "owner_id": 1234, "title": META.title, "date": now - 3600},
                ],
            }
        ),
    )
    api.post(f"{API}/video.delete", json=vk_ok(1))
    api.post(f"{API}/video.save", json=vk_ok(SAVED))
    api.post(UPLOAD_URL, json=UPLOADED)

    result = vk.publish(
        credentials=VIDEO_CREDS,
        clip=make_clip(),
        meta=META,
        resume=placeholder("video", now - 5),
        **Recorder().kwargs(),
    )

    listing, delete, *_ = (c.request for c in api.calls)
    assert form(listing) == {"owner_id": "1234", "count": "20", "v": "5.199"}
    assert form(delete) == {"owner_id": "1234", "video_id": "9", "v": "5.199"}
    assert result.handle.id == "1234_456239017"


def test_the_retry_of_a_lost_clip_create_in_a_community_deletes_the_empty_draft(api, vk):
    now = int(time.time())
    owner = -GROUP_ID
    api.post(
        f"{API}/video.get",
        json=vk_ok(
            {
                "count": 2,
                "items": [
                    {"id": 5, "owner_id": owner, "type": "short_video", "date": now, "title": ""},
                    {"id": 4, "owner_id": owner, "type": "video", "date": now, "title": ""},
                ],
            }
        ),
    )
    api.post(f"{API}/video.delete", json=vk_ok(1))
    api.post(f"{API}/shortVideo.create", json=vk_ok({**CREATED, "owner_id": owner}))
    api.post(UPLOAD_URL, json=CLIP_UPLOADED)
    api.post(f"{API}/shortVideo.edit", json=vk_ok(1))
    creds = Credentials(access_token=TOKEN, extra={"group_id": GROUP_ID})

    vk.publish(
        credentials=creds,
        clip=make_clip(),
        meta=META,
        resume=placeholder("clip", now),
        **Recorder().kwargs(),
    )

    assert form(api.calls[0].request)["owner_id"] == str(owner)
    assert form(api.calls[1].request) == {"owner_id": str(owner), "video_id": "5", "v": "5.199"}


def test_nothing_found_means_nothing_deleted_and_one_create(api, vk):
    api.post(f"{API}/video.get", json=vk_ok({"count": 0, "items": []}))
    api.post(f"{API}/video.save", json=vk_ok(SAVED))
    api.post(UPLOAD_URL, json=UPLOADED)

    vk.publish(
        credentials=VIDEO_CREDS,
        clip=make_clip(),
        meta=META,
        resume=placeholder("video", int(time.time())),
        **Recorder().kwargs(),
    )

    urls = [c.request.url for c in api.calls]
    assert f"{API}/video.delete" not in urls and urls.count(f"{API}/video.save") == 1
