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
    saved = vk_call(
        sandbox, "video.save", token, name="Клип", description="Описание", is_short=1, wallpost=0
    )["response"]
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
    assert item["type"] == "short_video"
    time.sleep(0.4)
    ready = vk_call(sandbox, "video.get", token, videos=ref)["response"]
    assert ready["count"] == 1
    assert "processing" not in ready["items"][0]
    assert sandbox.control.videos("vk")[0]["bytes"] == 3 * 1024 * 1024 + 7
