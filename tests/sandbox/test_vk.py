"""VK API stand-in over real HTTP: video.save → upload → video.get, validation, errors."""

from __future__ import annotations

import time

import pytest
import requests
from requests_toolbelt import MultipartEncoder

pytestmark = pytest.mark.live

V = "5.199"


def vk_call(sandbox, method: str, token: str | None, **params):  # type: ignore[no-untyped-def]
    data = {"v": V, **params}
    if token is not None:
        data["access_token"] = token
    response = requests.post(f"{sandbox.vk_api_url}/{method}", data=data, timeout=10)
    assert response.status_code == 200
    return response.json()


def upload(url: str, path, field: str = "video_file"):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        encoder = MultipartEncoder({field: ("clip.mp4", handle, "video/mp4")})
        return requests.post(
            url, data=encoder, headers={"Content-Type": encoder.content_type}, timeout=30
        )


def test_save_upload_then_processing_until_ready(sandbox, clip_file):
    token = sandbox.control.issue_credentials("vk")["access_token"]
    saved = vk_call(sandbox, "video.save", token, name="Клип", description="Описание", wallpost=0)[
        "response"
    ]
    assert set(saved) >= {
        "upload_url",
        "video_id",
        "owner_id",
        "access_key",
        "title",
        "description",
    }

    answer = upload(saved["upload_url"], clip_file(3 * 1024 * 1024 + 7))

    assert answer.status_code == 200
    assert answer.json() == {
        "video_hash": answer.json()["video_hash"],
        "size": 3 * 1024 * 1024 + 7,
        "owner_id": saved["owner_id"],
        "video_id": saved["video_id"],
    }
    ref = f"{saved['owner_id']}_{saved['video_id']}"
    item = vk_call(sandbox, "video.get", token, videos=ref)["response"]["items"][0]
    assert item["processing"] == 1
    assert item["type"] == "video"  # video.save never makes a Клип (no is_short in VK's schema)
    time.sleep(0.4)
    ready = vk_call(sandbox, "video.get", token, videos=ref)["response"]
    assert ready["count"] == 1
    assert "processing" not in ready["items"][0]
    assert sandbox.control.videos("vk")[0]["bytes"] == 3 * 1024 * 1024 + 7


def test_video_get_leaves_out_unknown_videos_and_those_without_a_file(sandbox, clip_file):
    token = sandbox.control.issue_credentials("vk")["access_token"]
    saved = vk_call(sandbox, "video.save", token, name="Клип")["response"]
    empty = vk_call(sandbox, "video.save", token, name="Без файла")["response"]
    upload(saved["upload_url"], clip_file(100))
    refs = ",".join(
        f"{saved['owner_id']}_{video_id}"
        for video_id in (saved["video_id"], 999, empty["video_id"])
    )

    answer = vk_call(sandbox, "video.get", token, videos=refs, count=200)["response"]

    assert [item["id"] for item in answer["items"]] == [saved["video_id"]]


def test_stats_grow_with_the_videos_age(sandbox, clip_file):
    token = sandbox.control.issue_credentials("vk")["access_token"]
    sandbox.control.set_processing_seconds(0)
    saved = vk_call(sandbox, "video.save", token, name="Клип")["response"]
    upload(saved["upload_url"], clip_file(1000))
    ref = f"{saved['owner_id']}_{saved['video_id']}"
    before = vk_call(sandbox, "video.get", token, videos=ref)["response"]["items"][0]

    sandbox.control.advance_clock(1800)  # within the token's hour
    after = vk_call(sandbox, "video.get", token, videos=ref)["response"]["items"][0]

    assert after["views"] > before["views"] >= 0
    assert after["likes"]["count"] > 0 and after["comments"] >= 0 and after["reposts"]["count"] >= 0


def test_group_video_belongs_to_the_community(sandbox):
    creds = sandbox.control.issue_credentials("vk")
    (kitchen,) = sandbox.control.set_vk_communities(creds["account_id"], ["Кухня"])

    saved = vk_call(
        sandbox, "video.save", creds["access_token"], name="Клип", group_id=kitchen["id"]
    )["response"]

    assert saved["owner_id"] == -kitchen["id"]


@pytest.mark.parametrize("role", ["moderator", "member"])
def test_saving_into_a_community_needs_an_admin_or_editor(sandbox, role):
    creds = sandbox.control.issue_credentials("vk")
    (group,) = sandbox.control.set_vk_communities(
        creds["account_id"], [{"name": "Г", "role": role}]
    )

    answer = vk_call(
        sandbox, "video.save", creds["access_token"], name="Клип", group_id=group["id"]
    )

    assert answer["error"]["error_code"] == 203


def test_saving_into_someone_elses_community_is_denied(sandbox):
    token = sandbox.control.issue_credentials("vk")["access_token"]

    answer = vk_call(sandbox, "video.save", token, name="Клип", group_id=123)

    assert answer["error"]["error_code"] == 203


def test_token_in_authorization_header_is_accepted(sandbox):
    creds = sandbox.control.issue_credentials("vk", account_name="Мария Иванова")
    response = requests.post(
        f"{sandbox.vk_api_url}/users.get",
        data={"v": V},
        headers={"Authorization": f"Bearer {creds['access_token']}"},
        timeout=10,
    )

    assert response.json() == {
        "response": [
            {
                "id": int(creds["account_id"]),
                "first_name": "Мария",
                "last_name": "Иванова",
                "can_access_closed": True,
                "is_closed": False,
            }
        ]
    }


def test_missing_version_is_error_8(sandbox):
    token = sandbox.control.issue_credentials("vk")["access_token"]
    response = requests.post(
        f"{sandbox.vk_api_url}/users.get", data={"access_token": token}, timeout=10
    )

    assert response.status_code == 200
    assert response.json()["error"]["error_code"] == 8


def test_json_body_is_not_read(sandbox):
    token = sandbox.control.issue_credentials("vk")["access_token"]
    response = requests.post(
        f"{sandbox.vk_api_url}/video.save",
        json={"v": V, "access_token": token, "name": "Клип"},
        timeout=10,
    )

    assert response.status_code == 200
    assert response.json()["error"]["error_code"] == 8
    assert sandbox.control.videos("vk") == []


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "User authorization failed: no access_token passed."),
        ("sbx-vk-forged.signature", "User authorization failed: invalid access_token (4)."),
    ],
)
def test_missing_or_forged_token_is_error_5(sandbox, token, message):
    error = vk_call(sandbox, "video.save", token, name="Клип")["error"]

    assert (error["error_code"], error["error_msg"]) == (5, message)


def test_expired_token_is_error_5(sandbox):
    token = sandbox.control.issue_credentials("vk", ttl=60)["access_token"]
    sandbox.control.advance_clock(61)

    error = vk_call(sandbox, "video.get", token)["error"]

    assert (error["error_code"], error["error_msg"]) == (
        5,
        "User authorization failed: access_token has expired.",
    )


def test_token_of_another_platform_is_refused(sandbox):
    token = sandbox.control.issue_credentials("dzen")["access_token"]

    assert vk_call(sandbox, "video.get", token)["error"]["error_code"] == 5


@pytest.mark.parametrize(
    ("method", "params", "detail"),
    [
        ("video.save", {"name": "x" * 129}, "name is too long"),
        ("video.save", {"group_id": "abc"}, "group_id not integer"),
        ("video.save", {"wallpost": "yes"}, "wallpost should be 0 or 1"),
        ("video.get", {"videos": "12-34"}, "videos is invalid"),
        ("video.get", {"count": 201}, "count should be less or equal to 200"),
    ],
)
def test_invalid_parameter_is_error_100(sandbox, method, params, detail):
    token = sandbox.control.issue_credentials("vk")["access_token"]

    error = vk_call(sandbox, method, token, **params)["error"]

    assert error["error_code"] == 100
    assert error["error_msg"] == f"One of the parameters specified was missing or invalid: {detail}"
    assert {"key": "method", "value": method} in error["request_params"]
    assert all(param["key"] != "access_token" for param in error["request_params"])


def test_unknown_method_is_error_3(sandbox):
    token = sandbox.control.issue_credentials("vk")["access_token"]

    assert vk_call(sandbox, "video.publishEverywhere", token)["error"]["error_code"] == 3


def test_upload_with_wrong_field_name_is_refused(sandbox, clip_file):
    token = sandbox.control.issue_credentials("vk")["access_token"]
    saved = vk_call(sandbox, "video.save", token, name="Клип")["response"]

    answer = upload(saved["upload_url"], clip_file(1000), field="file")

    assert answer.json() == {
        "error": "no_file",
        "error_code": 4,
        "error_descr": "No file in the video_file field",
    }
    assert sandbox.control.videos("vk")[0]["uploaded_at"] is None


def test_upload_over_the_limit_is_refused(sandbox, clip_file):
    token = sandbox.control.issue_credentials("vk")["access_token"]
    sandbox.control.set_upload_limit("vk", 1000)
    saved = vk_call(sandbox, "video.save", token, name="Клип")["response"]

    answer = upload(saved["upload_url"], clip_file(1001))

    assert answer.json()["error_code"] == 22
    assert answer.json()["error"] == "file_too_big"


def test_forged_upload_url_is_refused(sandbox, clip_file):
    answer = upload(f"{sandbox.url}/vk/upload/sbx-vkupload-abc.def/", clip_file(10))

    assert answer.json()["error"] == "invalid_upload_url"
