"""Дзен stand-in over real HTTP: create → PUT → publish → get → stats, errors."""

from __future__ import annotations

import time

import pytest
import requests

pytestmark = pytest.mark.live


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"OAuth {token}"}


def create(sandbox, token: str, title: str = "Клип"):  # type: ignore[no-untyped-def]
    return requests.post(
        f"{sandbox.dzen_api_url}/v1/videos",
        json={"title": title, "description": "Описание"},
        headers=auth(token),
        timeout=10,
    )


def put(url: str, path, content_type: str = "video/mp4"):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return requests.put(url, data=handle, headers={"Content-Type": content_type}, timeout=30)


def test_create_upload_publish_get_and_stats(sandbox, clip_file):
    creds = sandbox.control.issue_credentials("dzen", account_name="Канал Анны")
    token = creds["access_token"]

    me = requests.get(f"{sandbox.dzen_api_url}/v1/me", headers=auth(token), timeout=10).json()
    created = create(sandbox, token)
    uploaded = put(created.json()["upload_url"], clip_file(5_000_000))
    video_id = created.json()["id"]
    published = requests.post(
        f"{sandbox.dzen_api_url}/v1/videos/{video_id}/publish", headers=auth(token), timeout=10
    )

    assert me == {"id": creds["account_id"], "name": "Канал Анны"}
    assert created.status_code == 201
    assert uploaded.json() == {"id": video_id, "size": 5_000_000}
    assert published.json()["status"] == "processing"
    assert published.json()["url"] == f"{sandbox.url}/web/dzen/video/watch/{video_id}"
    time.sleep(0.4)
    got = requests.get(
        f"{sandbox.dzen_api_url}/v1/videos/{video_id}", headers=auth(token), timeout=10
    ).json()
    assert got["status"] == "published"
    sandbox.control.advance_clock(1800)
    stats = requests.get(
        f"{sandbox.dzen_api_url}/v1/videos/stats",
        params={"ids": f"{video_id},nope"},
        headers=auth(token),
        timeout=10,
    ).json()
    assert [item["id"] for item in stats["items"]] == [video_id]
    assert stats["items"][0]["views"] > 0
    assert set(stats["items"][0]) == {"id", "views", "likes", "comments", "shares"}


def test_publish_before_upload_is_409(sandbox):
    token = sandbox.control.issue_credentials("dzen")["access_token"]
    video_id = create(sandbox, token).json()["id"]

    response = requests.post(
        f"{sandbox.dzen_api_url}/v1/videos/{video_id}/publish", headers=auth(token), timeout=10
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_uploaded"


def test_upload_needs_a_video_content_type(sandbox, clip_file):
    token = sandbox.control.issue_credentials("dzen")["access_token"]
    url = create(sandbox, token).json()["upload_url"]

    response = put(url, clip_file(100), content_type="text/plain")

    assert response.status_code == 415
    assert set(response.json()["error"]) == {"code", "message"}


def test_upload_over_the_limit_is_413(sandbox, clip_file):
    token = sandbox.control.issue_credentials("dzen")["access_token"]
    sandbox.control.set_upload_limit("dzen", 1000)
    url = create(sandbox, token).json()["upload_url"]

    response = put(url, clip_file(1001))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"


def test_missing_title_is_400(sandbox):
    token = sandbox.control.issue_credentials("dzen")["access_token"]

    response = create(sandbox, token, title="")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"


@pytest.mark.parametrize("header", [None, "OAuth sbx-dzen-forged.sig", "Bearer x"])
def test_bad_or_missing_token_is_401(sandbox, header):
    headers = {"Authorization": header} if header else {}

    response = requests.get(f"{sandbox.dzen_api_url}/v1/me", headers=headers, timeout=10)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_expired_token_is_401(sandbox):
    token = sandbox.control.issue_credentials("dzen", ttl=10)["access_token"]
    sandbox.control.advance_clock(11)

    response = requests.get(f"{sandbox.dzen_api_url}/v1/me", headers=auth(token), timeout=10)

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "OAuth token has expired"


def test_stats_take_at_most_100_ids(sandbox):
    token = sandbox.control.issue_credentials("dzen")["access_token"]
    ids = ",".join(f"id{n}" for n in range(101))

    response = requests.get(
        f"{sandbox.dzen_api_url}/v1/videos/stats",
        params={"ids": ids},
        headers=auth(token),
        timeout=10,
    )

    assert response.status_code == 400


def test_another_accounts_video_is_404(sandbox):
    mine = sandbox.control.issue_credentials("dzen", account_name="Первый")["access_token"]
    theirs = sandbox.control.issue_credentials("dzen", account_name="Второй")["access_token"]
    video_id = create(sandbox, mine).json()["id"]

    response = requests.get(
        f"{sandbox.dzen_api_url}/v1/videos/{video_id}", headers=auth(theirs), timeout=10
    )

    assert response.status_code == 404


def test_the_list_of_videos_without_a_file_gives_each_an_upload_url(sandbox, clip_file):
    token = sandbox.control.issue_credentials("dzen")["access_token"]
    other = sandbox.control.issue_credentials("dzen", account_name="Чужой канал")["access_token"]
    done = create(sandbox, token, title="С файлом").json()
    put(done["upload_url"], clip_file(1000))
    empty = create(sandbox, token, title="Пустое").json()
    create(sandbox, other, title="Чужое")

    answer = requests.get(
        f"{sandbox.dzen_api_url}/v1/videos",
        params={"status": "created"},
        headers=auth(token),
        timeout=10,
    )

    assert answer.status_code == 200
    [item] = answer.json()["items"]
    assert (item["id"], item["title"], item["status"]) == (empty["id"], "Пустое", "created")
    assert item["created_at"]
    assert put(item["upload_url"], clip_file(1000)).status_code == 200
    methods = [e["method"] for e in sandbox.control.journal("dzen")]
    assert methods.count("videos.list") == 1 and methods.count("videos.create") == 3
