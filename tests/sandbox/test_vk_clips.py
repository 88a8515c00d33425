"""The sandbox's VK clips methods, wall posts and deletions over real HTTP: VK's shapes (errors
inside HTTP 200), 3001 while processing, a refused account, drafts kept out of video.get."""

from __future__ import annotations

import pytest
import requests

from .test_vk import upload, vk_call

pytestmark = pytest.mark.live

CLIPS_V = "5.249"


def clips_call(sandbox, method: str, token: str, **params):  # type: ignore[no-untyped-def]
    return vk_call(sandbox, method, token, **{"v": CLIPS_V, **params})


@pytest.fixture
def account(sandbox):  # type: ignore[no-untyped-def]
    sandbox.control.set_processing_seconds(30)
    creds = sandbox.control.issue_credentials("vk")
    return creds["access_token"], int(creds["account_id"])


def test_a_clip_is_created_uploaded_as_file_edited_and_published_after_processing(
    sandbox, account, clip_file
):
    token, user_id = account
    created = clips_call(sandbox, "shortVideo.create", token, file_size=1000)["response"]
    assert set(created) == {"upload_url", "video_id", "owner_id"}
    assert created["owner_id"] == user_id

    answer = upload(created["upload_url"], clip_file(1000), field="file")
    edited = clips_call(
        sandbox,
        "shortVideo.edit",
        token,
        owner_id=created["owner_id"],
        video_id=created["video_id"],
        description="Сырники\n\nРецепт",
    )
    ids = {"owner_id": created["owner_id"], "video_id": created["video_id"]}
    processing = clips_call(sandbox, "shortVideo.publish", token, license_agree=1, **ids)
    ref = f"{created['owner_id']}_{created['video_id']}"
    draft_listed = vk_call(sandbox, "video.get", token, videos=ref)["response"]["items"]
    sandbox.control.advance_clock(31)
    published = clips_call(
        sandbox, "shortVideo.publish", token, license_agree=1, wallpost=1, publish_date=0, **ids
    )
    listed = vk_call(sandbox, "video.get", token, videos=ref)["response"]["items"]

    assert answer.status_code == 200 and answer.json()["video_id"] == created["video_id"]
    assert edited == {"response": 1}
    assert processing["error"]["error_code"] == 3001
    assert draft_listed == []  # a draft is private until published
    assert set(published["response"]) == {"wall_post_id"}
    assert [(i["type"], i["title"]) for i in listed] == [("short_video", "Сырники")]


def test_a_clip_upload_in_the_video_file_field_is_refused(sandbox, account, clip_file):
    token, _user = account
    created = clips_call(sandbox, "shortVideo.create", token, file_size=1000)["response"]

    answer = upload(created["upload_url"], clip_file(1000), field="video_file")

    assert answer.json()["error"] == "no_file"
    assert "file field" in answer.json()["error_descr"]


def test_the_clips_methods_need_their_newer_api_version(sandbox, account):
    token, _user = account

    error = vk_call(sandbox, "shortVideo.create", token, file_size=1000)["error"]

    assert error["error_code"] == 3


@pytest.mark.parametrize("code", [15, 7])
def test_a_refused_account_gets_its_error_inside_http_200_from_every_clips_method(
    sandbox, account, code
):
    token, user_id = account
    sandbox.control.set_vk_clips_refused(user_id, code)

    for method in ("shortVideo.create", "shortVideo.edit", "shortVideo.publish"):
        response = requests.post(
            f"{sandbox.vk_api_url}/{method}",
            data={"v": CLIPS_V, "access_token": token, "file_size": 1},
            timeout=10,
        )
        assert response.status_code == 200
        assert response.json()["error"]["error_code"] == code
    assert "response" in vk_call(sandbox, "video.save", token, name="Видео")  # videos still work
    sandbox.control.set_vk_clips_refused(user_id, None)
    assert "response" in clips_call(sandbox, "shortVideo.create", token, file_size=1)


def test_a_community_clip_needs_an_admin_or_editor(sandbox, account):
    token, user_id = account
    [community, _second] = sandbox.control.vk_communities(user_id)

    created = clips_call(
        sandbox, "shortVideo.create", token, file_size=10, group_id=community["id"]
    )["response"]
    refused = clips_call(sandbox, "shortVideo.create", token, file_size=10, group_id=12345)

    assert created["owner_id"] == -community["id"]
    assert refused["error"]["error_code"] == 203


def test_wall_post_from_a_community_with_a_guid_posts_once(sandbox, account, clip_file):
    token, user_id = account
    community = sandbox.control.vk_communities(user_id)[0]["id"]
    saved = vk_call(sandbox, "video.save", token, name="Видео", group_id=community)["response"]
    upload(saved["upload_url"], clip_file(100))
    post = {
        "owner_id": -community,
        "from_group": 1,
        "message": "Смотрите",
        "attachments": f"video-{community}_{saved['video_id']}",
        "guid": "g-1",
    }

    first = vk_call(sandbox, "wall.post", token, **post)["response"]
    again = vk_call(sandbox, "wall.post", token, **post)["response"]
    page = requests.get(
        f"{sandbox.url}/web/vk/wall-{community}_{first['post_id']}", timeout=10
    ).text

    assert first == again
    assert "Запись на стене от имени сообщества" in page and "Смотрите" in page
    assert "<b>Видео</b>" in page


def test_wall_post_needs_a_real_video_attachment(sandbox, account):
    token, user_id = account

    error = vk_call(sandbox, "wall.post", token, owner_id=user_id, attachments=f"video{user_id}_1")[
        "error"
    ]

    assert error["error_code"] == 100


def test_video_delete_removes_a_draft_and_the_owner_listing_shows_file_less_videos(
    sandbox, account
):
    token, user_id = account
    empty = vk_call(sandbox, "video.save", token, name="Пустое")["response"]
    draft = clips_call(sandbox, "shortVideo.create", token, file_size=10)["response"]

    mine = vk_call(sandbox, "video.get", token, owner_id=user_id, count=20)["response"]["items"]
    deleted = vk_call(sandbox, "video.delete", token, owner_id=user_id, video_id=draft["video_id"])
    after = vk_call(sandbox, "video.get", token, owner_id=user_id)["response"]["items"]

    assert {(i["id"], i["duration"]) for i in mine} == {
        (empty["video_id"], 0),
        (draft["video_id"], 0),
    }
    assert deleted == {"response": 1}
    assert [i["id"] for i in after] == [empty["video_id"]]


def test_a_video_link_shown_as_a_clip_says_it_is_not_one(sandbox, account, clip_file):
    token, user_id = account
    saved = vk_call(sandbox, "video.save", token, name="Видео")["response"]
    upload(saved["upload_url"], clip_file(100))

    page = requests.get(f"{sandbox.url}/web/vk/clip{user_id}_{saved['video_id']}", timeout=10).text

    assert "<b>Видео</b>" in page and "это не Клип" in page
