"""VK Видео mode: video.save (no is_short) → upload (field ``video_file``) → once processed, an
optional wall.post; links, communities, resume points, drafts."""

from __future__ import annotations

import json

import pytest
import responses
from responses import matchers

from platforms.providers import (
    Credentials,
    PermanentError,
    PlatformHandle,
    PublishMeta,
    PublishState,
    TransientError,
    UploadIncomplete,
    get_provider,
)

from .support import META, Recorder, clip_bytes, form, make_clip, multipart
from .vk_support import (
    API,
    GROUP_ID,
    SAVED,
    TOKEN,
    UPLOAD_URL,
    UPLOADED,
    VIDEO_CREDS,
    WEB,
    V,
    vk_ok,
)


@pytest.fixture
def vk():
    return get_provider("vk")


def video(**data: object) -> PlatformHandle:
    owner = data.pop("owner_id", 1234)
    return PlatformHandle(
        id=f"{owner}_456239017",
        data={
            "mode": "video",
            "owner_id": owner,
            "video_id": 456239017,
            "upload_url": UPLOAD_URL,
            "group_id": None,
            "wallpost": True,
            "message": "Закат над Волгой\n\nСнято на телефон #лето",
            "uploaded": True,
            **data,
        },
    )


def listed(api: responses.RequestsMock, owner: int = 1234, **item: object) -> None:
    api.post(
        f"{API}/video.get",
        json=vk_ok({"count": 1, "items": [{"id": 456239017, "owner_id": owner, **item}]}),
    )


def test_video_save_sends_name_and_description_and_never_is_short(api, vk):
    api.post(f"{API}/video.save", json=vk_ok(SAVED))
    api.post(UPLOAD_URL, json=UPLOADED)

    result = vk.publish(
        credentials=VIDEO_CREDS, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
    )

    save = api.calls[0].request
    assert save.url == f"{API}/video.save"
    assert form(save) == {"name": META.title, "description": META.description, "v": V}
    assert save.headers["Authorization"] == f"Bearer {TOKEN}"
    parts = multipart(api.calls[1].request)
    assert list(parts) == ["video_file"] and parts["video_file"].content == clip_bytes(3000)
    assert "Authorization" not in api.calls[1].request.headers
    assert result.state == PublishState.PROCESSING
    assert result.handle.data["mode"] == "video"


def test_video_save_for_a_community_cuts_name_and_description(api, vk):
    api.post(f"{API}/video.save", json=vk_ok({**SAVED, "owner_id": -GROUP_ID}))
    api.post(UPLOAD_URL, json=UPLOADED)
    creds = Credentials(access_token=TOKEN, extra={"group_id": str(GROUP_ID), "vk_mode": "video"})

    result = vk.publish(
        credentials=creds,
        clip=make_clip(),
        meta=PublishMeta(title="Т" * 300, description="О" * 6000),
        resume=None,
        **Recorder().kwargs(),
    )

    sent = form(api.calls[0].request)
    assert sent["group_id"] == str(GROUP_ID)
    assert "is_short" not in sent
    assert (sent["name"], sent["description"]) == ("Т" * 128, "О" * 5000)
    assert result.url == f"{WEB}/video-{GROUP_ID}_456239017"


@pytest.mark.parametrize(
    ("item", "state"), [({"processing": 1}, "processing"), ({"converting": 1}, "processing")]
)
def test_check_waits_while_vk_processes_and_posts_nothing_yet(api, vk, item, state):
    listed(api, **item)

    result = vk.check(credentials=VIDEO_CREDS, handle=video())

    assert result.state == state
    assert len(api.calls) == 1


def test_once_processed_the_video_goes_on_the_wall_and_the_link_is_the_post(api, vk):
    listed(api)
    api.post(
        f"{API}/wall.post",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "owner_id": "1234",
                    "message": "Закат над Волгой\n\nСнято на телефон #лето",
                    "attachments": "video1234_456239017",
                    "guid": "clipmaker-1234_456239017",
                    "v": V,
                }
            )
        ],
        json=vk_ok({"post_id": 88}),
    )

    result = vk.check(credentials=VIDEO_CREDS, handle=video())

    assert result.state == PublishState.PUBLISHED
    assert result.handle.data["wall_post_id"] == 88
    assert result.url == f"{WEB}/wall1234_88"


def test_in_a_community_the_wall_post_is_from_the_community(api, vk):
    listed(api, owner=-GROUP_ID)
    api.post(f"{API}/wall.post", json=vk_ok({"post_id": 9}))

    result = vk.check(credentials=VIDEO_CREDS, handle=video(owner_id=-GROUP_ID))

    sent = form(api.calls[1].request)
    assert (sent["owner_id"], sent["from_group"]) == (str(-GROUP_ID), "1")
    assert sent["attachments"] == f"video-{GROUP_ID}_456239017"
    assert result.url == f"{WEB}/wall-{GROUP_ID}_9"


def test_without_a_wall_post_the_link_is_the_video(api, vk):
    listed(api)

    result = vk.check(credentials=VIDEO_CREDS, handle=video(wallpost=False))

    assert result.state == PublishState.PUBLISHED
    assert result.url == f"{WEB}/video1234_456239017"
    assert len(api.calls) == 1


def test_a_lost_wall_post_answer_is_retried_with_the_same_guid(api, vk):
    listed(api)
    api.post(f"{API}/wall.post", body=TransientError("lost"))
    listed(api)
    api.post(f"{API}/wall.post", json=vk_ok({"post_id": 88}))

    with pytest.raises(TransientError):
        vk.check(credentials=VIDEO_CREDS, handle=video())
    vk.check(credentials=VIDEO_CREDS, handle=video())

    guids = [form(c.request)["guid"] for c in api.calls if c.request.url.endswith("wall.post")]
    assert guids == ["clipmaker-1234_456239017"] * 2  # VK answers the same post to the same guid


def test_a_posted_video_is_not_posted_again(api, vk):
    listed(api)

    result = vk.check(credentials=VIDEO_CREDS, handle=video(wall_post_id=88))

    assert result.url == f"{WEB}/wall1234_88"
    assert len(api.calls) == 1


def test_a_wallpost_setting_off_saves_no_message(api, vk):
    api.post(f"{API}/video.save", json=vk_ok(SAVED))
    api.post(UPLOAD_URL, json=UPLOADED)
    creds = Credentials(access_token=TOKEN, extra={"vk_mode": "video", "vk_wallpost": False})

    result = vk.publish(
        credentials=creds, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
    )

    assert (result.handle.data["wallpost"], result.handle.data["message"]) == (False, "")


def test_check_distinguishes_never_uploaded_from_deleted(api, vk):
    api.post(f"{API}/video.get", json=vk_ok({"count": 0, "items": []}))
    api.post(f"{API}/video.get", json=vk_ok({"count": 0, "items": []}))

    with pytest.raises(UploadIncomplete):
        vk.check(credentials=VIDEO_CREDS, handle=video(uploaded=False))
    with pytest.raises(PermanentError) as info:
        vk.check(credentials=VIDEO_CREDS, handle=video())
    assert "удалили" in str(info.value)


def test_check_of_a_restricted_video_is_permanent(api, vk):
    listed(api, content_restricted=1, content_restricted_message="Нарушение авторских прав")

    with pytest.raises(PermanentError) as info:
        vk.check(credentials=VIDEO_CREDS, handle=video())

    assert "Нарушение авторских прав" in str(info.value)


def test_a_resume_whose_upload_answer_was_lost_finds_the_file_and_sends_nothing(api, vk):
    listed(api, processing=1)

    result = vk.publish(
        credentials=VIDEO_CREDS,
        clip=make_clip(),
        meta=META,
        resume=video(uploaded=False),
        **Recorder().kwargs(),
    )

    assert result.state == PublishState.PROCESSING
    assert result.handle.data["uploaded"] is True
    assert [c.request.url for c in api.calls] == [f"{API}/video.get"]


def test_an_empty_video_is_a_draft_and_deleted_an_uploaded_one_is_kept(api, vk):
    api.post(f"{API}/video.delete", json=vk_ok(1))

    assert vk.discard(credentials=VIDEO_CREDS, handle=video(uploaded=False)) is True
    assert vk.discard(credentials=VIDEO_CREDS, handle=video()) is False

    assert [c.request.url for c in api.calls] == [f"{API}/video.delete"]


def test_the_upload_response_body_is_read_as_json(api, vk):
    def upload(request):
        return (200, {}, json.dumps(UPLOADED))

    api.post(f"{API}/video.save", json=vk_ok(SAVED))
    api.add_callback(responses.POST, UPLOAD_URL, callback=upload)

    result = vk.publish(
        credentials=VIDEO_CREDS, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
    )

    assert result.handle.data["uploaded"] is True
