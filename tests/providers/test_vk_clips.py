"""VK Клип mode: shortVideo.create → upload (field ``file``) → shortVideo.edit →
shortVideo.publish, 3001 while processing, every resume point, a refused account, drafts."""

from __future__ import annotations

import json

import pytest
import responses

from platforms.providers import (
    Credentials,
    PermanentError,
    PlatformHandle,
    PublishMeta,
    PublishState,
    RateLimited,
    TransientError,
    UploadIncomplete,
    get_provider,
)
from platforms.providers.vk import CLIPS_REFUSED

from .support import META, Recorder, assert_russian, clip_bytes, form, make_clip, multipart
from .vk_support import (
    API,
    CLIP_UPLOADED,
    CLIPS_V,
    CREATED,
    CREDS,
    GROUP_ID,
    TOKEN,
    UPLOAD_URL,
    WEB,
    vk_error,
    vk_ok,
)

HANDLE = "1234_456239017"


@pytest.fixture
def vk():
    return get_provider("vk")


def draft(**data: object) -> PlatformHandle:
    return PlatformHandle(
        id=HANDLE,
        data={
            "mode": "clip",
            "owner_id": 1234,
            "video_id": 456239017,
            "upload_url": UPLOAD_URL,
            "group_id": None,
            "wallpost": True,
            "uploaded": True,
            "edited": True,
            **data,
        },
    )


def answer_create_upload_edit(api: responses.RequestsMock, *, created: dict = CREATED) -> None:
    api.post(f"{API}/shortVideo.create", json=vk_ok(created))
    api.post(str(created["upload_url"]), json=CLIP_UPLOADED)
    api.post(f"{API}/shortVideo.edit", json=vk_ok(1))


def not_listed(api: responses.RequestsMock) -> None:
    api.post(f"{API}/video.get", json=vk_ok({"count": 0, "items": []}))


# --- A new Клип ------------------------------------------------------------------------------


def test_a_clip_is_created_uploaded_as_file_and_edited_in_that_order(api, vk):
    recorder = Recorder()
    answer_create_upload_edit(api)

    result = vk.publish(
        credentials=CREDS, clip=make_clip(3000), meta=META, resume=None, **recorder.kwargs()
    )

    create, upload, edit = (call.request for call in api.calls)
    assert create.url == f"{API}/shortVideo.create"
    assert form(create) == {"file_size": "3000", "v": CLIPS_V}  # bytes, the clips' version
    assert create.headers["Authorization"] == f"Bearer {TOKEN}"
    parts = multipart(upload)
    assert list(parts) == ["file"] and parts["file"].content == clip_bytes(3000)
    assert "Authorization" not in upload.headers
    assert form(edit) == {
        "owner_id": "1234",
        "video_id": "456239017",
        "description": f"{META.title}\n\n{META.description}",
        "privacy_view": "all",
        "can_make_duet": "1",
        "v": CLIPS_V,
    }
    assert result.state == PublishState.PROCESSING
    assert result.url == f"{WEB}/clip1234_456239017"
    assert "video.save" not in [c.request.url.rsplit("/", 1)[-1] for c in api.calls]


def test_the_draft_is_handed_over_before_the_first_byte_and_a_placeholder_before_create(api, vk):
    recorder = Recorder()

    def upload(request):
        recorder.events.append("upload")
        return (200, {}, json.dumps(CLIP_UPLOADED))

    def create(request):
        recorder.events.append("create")
        return (200, {}, json.dumps(vk_ok(CREATED)))

    api.add_callback(responses.POST, f"{API}/shortVideo.create", callback=create)
    api.add_callback(responses.POST, UPLOAD_URL, callback=upload)
    api.post(f"{API}/shortVideo.edit", json=vk_ok(1))

    vk.publish(credentials=CREDS, clip=make_clip(), meta=META, resume=None, **recorder.kwargs())

    assert recorder.events == ["handle", "create", "handle", "upload", "handle", "handle"]
    placeholder, created, uploaded, edited = recorder.handles
    assert placeholder.id == "" and placeholder.data["mode"] == "clip"
    assert placeholder.data["create_sent_at"] > 0
    assert created.data == {
        "mode": "clip",
        "owner_id": 1234,
        "video_id": 456239017,
        "upload_url": UPLOAD_URL,
        "group_id": None,
        "wallpost": True,
        "uploaded": False,
    }
    assert (uploaded.data["uploaded"], edited.data["edited"]) == (True, True)


def test_publish_mode_on_the_publication_wins_over_the_places_default(api, vk):
    api.post(f"{API}/video.save", json=vk_ok({**CREATED, "access_key": ""}))
    api.post(UPLOAD_URL, json=CLIP_UPLOADED)
    creds = Credentials(access_token=TOKEN, extra={"vk_mode": "clip"})

    result = vk.publish(
        credentials=creds,
        clip=make_clip(),
        meta=PublishMeta(title="Т", description="", mode="video"),
        resume=None,
        **Recorder().kwargs(),
    )

    assert result.handle.data["mode"] == "video"


def test_check_publishes_with_license_and_wallpost_and_links_the_clip(api, vk):
    not_listed(api)
    api.post(f"{API}/shortVideo.publish", json=vk_ok({"wall_post_id": 55}))

    result = vk.check(credentials=CREDS, handle=draft())

    sent = form(api.calls[1].request)
    assert sent == {
        "owner_id": "1234",
        "video_id": "456239017",
        "license_agree": "1",
        "publish_date": "0",
        "wallpost": "1",
        "v": CLIPS_V,
    }
    assert result.state == PublishState.PUBLISHED
    assert result.handle.data["published"] is True
    assert result.url == f"{WEB}/clip1234_456239017"  # a Клип's link, even with a wall post


def test_without_a_wall_post_the_clip_is_published_with_wallpost_0(api, vk):
    not_listed(api)
    api.post(f"{API}/shortVideo.publish", json=vk_ok({}))

    vk.check(credentials=CREDS, handle=draft(wallpost=False))

    assert form(api.calls[1].request)["wallpost"] == "0"


def test_error_3001_while_vk_processes_is_still_processing(api, vk):
    not_listed(api)
    api.post(f"{API}/shortVideo.publish", json=vk_error(3001, "Video is still processing"))

    result = vk.check(credentials=CREDS, handle=draft())

    assert result.state == PublishState.PROCESSING
    assert result.handle.data.get("published") is None


def test_a_publish_whose_answer_was_lost_is_found_live_and_never_sent_again(api, vk):
    api.post(
        f"{API}/video.get",
        json=vk_ok({"count": 1, "items": [{"id": 456239017, "owner_id": 1234}]}),
    )

    result = vk.check(credentials=CREDS, handle=draft())

    assert result.state == PublishState.PUBLISHED
    assert [c.request.url for c in api.calls] == [f"{API}/video.get"]


def test_a_published_clip_is_not_asked_about_again(api, vk):
    result = vk.check(credentials=CREDS, handle=draft(published=True))

    assert result.state == PublishState.PUBLISHED
    assert len(api.calls) == 0


def test_a_clip_not_uploaded_or_not_edited_goes_back_to_the_retry_path(vk):
    with pytest.raises(UploadIncomplete):
        vk.check(credentials=CREDS, handle=draft(uploaded=False, edited=False))
    with pytest.raises(UploadIncomplete):
        vk.check(credentials=CREDS, handle=draft(edited=False))


# --- Communities ------------------------------------------------------------------------------


def test_a_community_clip_sends_group_id_at_every_step_and_links_a_negative_owner(api, vk):
    created = {**CREATED, "owner_id": -GROUP_ID}
    answer_create_upload_edit(api, created=created)
    not_listed(api)
    api.post(f"{API}/shortVideo.publish", json=vk_ok({}))
    creds = Credentials(access_token=TOKEN, extra={"group_id": GROUP_ID})

    result = vk.publish(
        credentials=creds, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
    )
    published = vk.check(credentials=creds, handle=result.handle)

    sent = {c.request.url.rsplit("/", 1)[-1]: c.request for c in api.calls}
    create, edit, publish = (
        form(sent[name]) for name in ("shortVideo.create", "shortVideo.edit", "shortVideo.publish")
    )
    assert create["group_id"] == edit["group_id"] == publish["group_id"] == str(GROUP_ID)
    assert publish["owner_id"] == str(-GROUP_ID)
    assert published.url == f"{WEB}/clip-{GROUP_ID}_456239017"
    assert published.handle.id == f"-{GROUP_ID}_456239017"


# --- Resume points ----------------------------------------------------------------------------


def test_a_resume_of_an_unuploaded_draft_sends_the_file_to_it_again_and_creates_nothing(api, vk):
    api.post(UPLOAD_URL, json=CLIP_UPLOADED)
    api.post(f"{API}/shortVideo.edit", json=vk_ok(1))

    result = vk.publish(
        credentials=CREDS,
        clip=make_clip(),
        meta=META,
        resume=draft(uploaded=False, edited=False),
        **Recorder().kwargs(),
    )

    assert [c.request.url for c in api.calls] == [UPLOAD_URL, f"{API}/shortVideo.edit"]
    assert result.handle.data["edited"] is True


def test_a_resume_of_an_uploaded_draft_edits_it_without_sending_a_byte(api, vk):
    api.post(f"{API}/shortVideo.edit", json=vk_ok(1))

    result = vk.publish(
        credentials=CREDS,
        clip=make_clip(),
        meta=META,
        resume=draft(edited=False),
        **Recorder().kwargs(),
    )

    assert [c.request.url for c in api.calls] == [f"{API}/shortVideo.edit"]
    assert result.state == PublishState.PROCESSING


def test_a_resume_of_an_edited_draft_goes_straight_to_publishing(api, vk):
    not_listed(api)
    api.post(f"{API}/shortVideo.publish", json=vk_ok({}))

    result = vk.publish(
        credentials=CREDS, clip=make_clip(), meta=META, resume=draft(), **Recorder().kwargs()
    )

    assert result.state == PublishState.PROCESSING  # published by the engine's check
    assert len(api.calls) == 0
    assert vk.check(credentials=CREDS, handle=result.handle).state == PublishState.PUBLISHED


def test_an_edit_that_fails_transiently_keeps_the_uploaded_draft(api, vk):
    recorder = Recorder()
    api.post(f"{API}/shortVideo.create", json=vk_ok(CREATED))
    api.post(UPLOAD_URL, json=CLIP_UPLOADED)
    api.post(f"{API}/shortVideo.edit", json=vk_error(10, "Internal server error"))

    with pytest.raises(TransientError):
        vk.publish(credentials=CREDS, clip=make_clip(), meta=META, resume=None, **recorder.kwargs())

    assert recorder.handles[-1].data["uploaded"] is True  # the retry resumes at the edit
    assert "edited" not in recorder.handles[-1].data


@pytest.mark.parametrize(
    ("code", "error_class"),
    [(6, RateLimited), (9, RateLimited), (10, TransientError), (100, PermanentError)],
)
def test_errors_of_the_publish_call_map_like_any_vk_error(api, vk, code, error_class):
    not_listed(api)
    api.post(f"{API}/shortVideo.publish", json=vk_error(code))

    with pytest.raises(error_class):
        vk.check(credentials=CREDS, handle=draft())


# --- An account VK does not let publish Клипы -------------------------------------------------


@pytest.mark.parametrize("code", [15, 7, 3])
def test_a_refused_account_fails_offering_a_video_and_never_switches_by_itself(api, vk, code):
    api.post(f"{API}/shortVideo.create", json=vk_error(code, "Access denied"))

    with pytest.raises(PermanentError) as info:
        vk.publish(
            credentials=CREDS, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
        )

    err = info.value
    assert err.code == CLIPS_REFUSED
    assert "Опубликовать как видео" in str(err) and f"ошибка {code}" in str(err)
    assert_russian(str(err))
    assert [c.request.url for c in api.calls] == [f"{API}/shortVideo.create"]  # no video.save


def test_a_refusal_at_publish_time_is_the_same_offer(api, vk):
    not_listed(api)
    api.post(f"{API}/shortVideo.publish", json=vk_error(15, "Access denied"))

    with pytest.raises(PermanentError) as info:
        vk.check(credentials=CREDS, handle=draft())

    assert info.value.code == CLIPS_REFUSED


def test_a_community_access_error_is_not_taken_for_a_clips_refusal(api, vk):
    api.post(f"{API}/shortVideo.create", json=vk_error(203, "Access to group denied"))

    with pytest.raises(PermanentError) as info:
        vk.publish(
            credentials=Credentials(access_token=TOKEN, extra={"group_id": GROUP_ID}),
            clip=make_clip(),
            meta=META,
            resume=None,
            **Recorder().kwargs(),
        )

    assert info.value.code == 203


# --- Drafts -----------------------------------------------------------------------------------


def test_an_unpublished_draft_is_deleted_with_video_delete(api, vk):
    not_listed(api)
    api.post(f"{API}/video.delete", json=vk_ok(1))

    assert vk.leaves_draft(draft())
    assert vk.discard(credentials=CREDS, handle=draft()) is True

    assert form(api.calls[1].request) == {"owner_id": "1234", "video_id": "456239017", "v": "5.199"}


def test_a_draft_whose_publish_went_through_after_all_is_never_deleted(api, vk):
    api.post(
        f"{API}/video.get",
        json=vk_ok({"count": 1, "items": [{"id": 456239017, "owner_id": 1234}]}),
    )

    assert vk.discard(credentials=CREDS, handle=draft()) is False
    assert len(api.calls) == 1


def test_a_published_clip_or_a_placeholder_leaves_no_draft(vk):
    assert not vk.leaves_draft(draft(published=True))
    assert not vk.leaves_draft(PlatformHandle(id="", data={"mode": "clip", "create_sent_at": 1}))
