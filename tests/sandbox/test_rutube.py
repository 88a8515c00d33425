"""Rutube stand-in over real HTTP: verify, publish by URL (really fetched), check, errors."""

from __future__ import annotations

import pytest
import requests

from tests.sandbox.conftest import wait_for

pytestmark = pytest.mark.live


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def publish(sandbox, token: str, source: str, **extra):  # type: ignore[no-untyped-def]
    body = {
        "url": source,
        "title": "Клип",
        "description": "Описание",
        "is_hidden": False,
        "category_id": 13,
        **extra,
    }
    return requests.post(
        f"{sandbox.rutube_api_url}/video/", json=body, headers=headers(token), timeout=10
    )


def status_of(sandbox, video_id: str) -> str:
    return requests.get(f"{sandbox.rutube_api_url}/video/{video_id}/", timeout=10).json()["status"]


def test_verify_token(sandbox):
    token = sandbox.control.issue_credentials("rutube")["token"]

    good = requests.get(
        f"{sandbox.rutube_api_url}/video/person/", headers=headers(token), timeout=10
    )
    missing = requests.get(f"{sandbox.rutube_api_url}/video/person/", timeout=10)
    forged = requests.get(
        f"{sandbox.rutube_api_url}/video/person/", headers=headers("0" * 40), timeout=10
    )

    assert good.status_code == 200 and good.json()["results"] == []
    assert (missing.status_code, missing.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )
    assert (forged.status_code, forged.json()) == (401, {"detail": "Invalid token."})


def test_publish_by_url_fetches_the_file_then_is_ready(sandbox, file_server):
    token = sandbox.control.issue_credentials("rutube")["token"]

    response = publish(sandbox, token, f"{file_server}/bytes/1234567")

    assert response.status_code == 200
    video_id = response.json()["video_id"]
    assert len(video_id) == 32 and int(video_id, 16) >= 0
    assert status_of(sandbox, video_id) == "processing"
    wait_for(lambda: status_of(sandbox, video_id) == "ready")
    video = requests.get(f"{sandbox.rutube_api_url}/video/{video_id}/", timeout=10).json()
    assert video["video_url"] == f"{sandbox.url}/web/rutube/video/{video_id}/"
    assert {"hits", "comments_count", "likes_count", "duration", "created_ts"} <= set(video)
    assert sandbox.control.videos("rutube")[0]["bytes"] == 1234567


def test_url_the_sandbox_cannot_fetch_ends_rejected(sandbox, file_server):
    token = sandbox.control.issue_credentials("rutube")["token"]

    video_id = publish(sandbox, token, f"{file_server}/missing").json()["video_id"]

    wait_for(lambda: status_of(sandbox, video_id) == "rejected")
    video = requests.get(f"{sandbox.rutube_api_url}/video/{video_id}/", timeout=10).json()
    assert "HTTP 404" in video["rejection_reason"]


def test_url_served_by_the_same_server_is_fetched(sandbox):
    """The product's signed URL is served by the very process that serves the sandbox."""
    token = sandbox.control.issue_credentials("rutube")["token"]
    own = f"{sandbox.url.removesuffix('/sandbox')}/healthz"

    video_id = publish(sandbox, token, own).json()["video_id"]

    wait_for(lambda: status_of(sandbox, video_id) == "ready")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"url": ""}, {"url": ["This field is required."]}),
        ({"url": "ftp://example.com/clip.mp4"}, {"url": ["Enter a valid URL."]}),
        ({"title": ""}, {"title": ["This field is required."]}),
    ],
)
def test_invalid_fields_are_400_with_field_errors(sandbox, file_server, body, errors):
    token = sandbox.control.issue_credentials("rutube")["token"]

    response = publish(sandbox, token, f"{file_server}/bytes/10", **body)

    assert (response.status_code, response.json()) == (400, errors)
    assert sandbox.control.videos("rutube") == []


def test_unknown_video_is_404(sandbox):
    response = requests.get(f"{sandbox.rutube_api_url}/video/{'0' * 32}/", timeout=10)

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_stats_grow(sandbox, file_server):
    token = sandbox.control.issue_credentials("rutube")["token"]
    sandbox.control.set_processing_seconds(0)
    video_id = publish(sandbox, token, f"{file_server}/bytes/100").json()["video_id"]
    wait_for(lambda: status_of(sandbox, video_id) == "ready")

    sandbox.control.advance_clock(7200)

    video = requests.get(f"{sandbox.rutube_api_url}/video/{video_id}/", timeout=10).json()
    assert video["hits"] > 0 and video["likes_count"] > 0
