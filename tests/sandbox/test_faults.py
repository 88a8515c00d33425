"""Every fault kind, injected through the control API, as a client sees it over real HTTP."""

from __future__ import annotations

import time

import pytest
import requests
from requests_toolbelt import MultipartEncoder

from platforms.constants import MB

pytestmark = pytest.mark.live

V = "5.199"


def vk(sandbox, method: str, token: str, **params):  # type: ignore[no-untyped-def]
    return requests.post(
        f"{sandbox.vk_api_url}/{method}", data={"v": V, "access_token": token, **params}, timeout=10
    )


def vk_upload(url: str, path):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        encoder = MultipartEncoder({"video_file": ("clip.mp4", handle, "video/mp4")})
        return requests.post(
            url, data=encoder, headers={"Content-Type": encoder.content_type}, timeout=30
        )


@pytest.fixture
def vk_token(sandbox) -> str:  # type: ignore[no-untyped-def]
    return sandbox.control.issue_credentials("vk")["access_token"]


def test_server_error_is_http_500_then_normal(sandbox, vk_token):
    sandbox.control.inject("vk", "server_error", count=2)

    answers = [vk(sandbox, "users.get", vk_token).status_code for _ in range(3)]

    assert answers == [500, 500, 200]
    assert [entry["fault"] for entry in sandbox.control.journal("vk")] == [
        "server_error",
        "server_error",
        None,
    ]


@pytest.mark.parametrize("code", [6, 9, 29])
def test_vk_rate_limit_is_an_error_inside_http_200(sandbox, vk_token, code):
    sandbox.control.inject("vk", "rate_limit", code=code)

    answer = vk(sandbox, "video.save", vk_token, name="Клип")

    assert answer.status_code == 200
    assert answer.json()["error"]["error_code"] == code
    assert sandbox.control.videos("vk") == []


def test_vk_auth_expired_is_error_5(sandbox, vk_token):
    sandbox.control.inject("vk", "auth_expired")

    error = vk(sandbox, "video.get", vk_token).json()["error"]

    assert (error["error_code"], error["error_msg"]) == (
        5,
        "User authorization failed: access_token has expired.",
    )


def test_vk_error_of_any_code(sandbox, vk_token):
    sandbox.control.inject("vk", "vk_error", code=214, message="Access to adding post denied")

    error = vk(sandbox, "video.save", vk_token, name="Клип").json()["error"]

    assert (error["error_code"], error["error_msg"]) == (214, "Access to adding post denied")
    assert {"key": "method", "value": "video.save"} in error["request_params"]


def test_fault_targets_only_its_method(sandbox, vk_token):
    sandbox.control.inject("vk", "server_error", method="video.get")

    save = vk(sandbox, "video.save", vk_token, name="Клип")
    get = vk(sandbox, "video.get", vk_token)

    assert (save.status_code, get.status_code) == (200, 500)


def test_slow_answer(sandbox, vk_token):
    sandbox.control.inject("vk", "slow", delay=0.6)

    started = time.monotonic()
    answer = vk(sandbox, "users.get", vk_token)

    assert answer.json()["response"]
    assert time.monotonic() - started >= 0.6
    sandbox.control.inject("vk", "slow", delay=1.5)
    with pytest.raises(requests.Timeout):
        requests.post(
            f"{sandbox.vk_api_url}/users.get", data={"v": V, "access_token": vk_token}, timeout=0.5
        )


def test_drop_mid_upload_resets_the_connection(sandbox, vk_token, clip_file):
    saved = vk(sandbox, "video.save", vk_token, name="Клип").json()["response"]
    sandbox.control.inject("vk", "drop", method="upload", after_bytes=1 * MB)

    with pytest.raises(requests.ConnectionError):
        vk_upload(saved["upload_url"], clip_file(20 * MB))

    video = sandbox.control.videos("vk")[0]
    assert video["uploaded_at"] is None and video["bytes"] == 0
    entry = sandbox.control.journal("vk", method="upload")[0]
    assert entry["status"] == 0 and entry["fault"] == "drop"
    assert MB <= entry["bytes_in"] < 20 * MB
    assert vk_upload(saved["upload_url"], clip_file(20 * MB)).json()["size"] == 20 * MB


def test_drop_on_a_small_request(sandbox, vk_token):
    sandbox.control.inject("vk", "drop", method="video.save")

    with pytest.raises(requests.ConnectionError):
        vk(sandbox, "video.save", vk_token, name="Клип")

    assert sandbox.control.videos("vk") == []


def test_accept_then_drop_keeps_the_upload(sandbox, vk_token, clip_file):
    saved = vk(sandbox, "video.save", vk_token, name="Клип").json()["response"]
    sandbox.control.inject("vk", "accept_then_drop", method="upload")

    with pytest.raises(requests.ConnectionError):
        vk_upload(saved["upload_url"], clip_file(2 * MB))

    assert sandbox.control.videos("vk")[0]["bytes"] == 2 * MB
    ref = f"{saved['owner_id']}_{saved['video_id']}"
    assert vk(sandbox, "video.get", vk_token, videos=ref).json()["response"]["count"] == 1


def test_accept_then_drop_creates_the_video(sandbox, vk_token):
    sandbox.control.inject("vk", "accept_then_drop", method="video.save")

    with pytest.raises(requests.ConnectionError):
        vk(sandbox, "video.save", vk_token, name="Клип")

    assert len(sandbox.control.videos("vk")) == 1


def test_vk_upload_faults_answer_in_the_upload_servers_shape(sandbox, vk_token, clip_file):
    saved = vk(sandbox, "video.save", vk_token, name="Клип").json()["response"]
    sandbox.control.inject("vk", "vk_error", method="upload", code=22)

    answer = vk_upload(saved["upload_url"], clip_file(1000))

    assert set(answer.json()) == {"error", "error_code", "error_descr"}
    assert answer.json()["error_code"] == 22


def test_telegram_rate_limit_carries_retry_after(sandbox):
    creds = sandbox.control.issue_credentials("telegram")
    sandbox.control.inject("telegram", "rate_limit", retry_after=7)

    answer = requests.post(f"{sandbox.telegram_api_url}/bot{creds['token']}/getMe", timeout=10)

    assert answer.status_code == 429
    assert answer.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


def test_telegram_auth_and_http_error(sandbox):
    creds = sandbox.control.issue_credentials("telegram")
    sandbox.control.inject("telegram", "auth_expired")
    sandbox.control.inject(
        "telegram",
        "http_error",
        status=403,
        message="Forbidden: bot was kicked from the channel chat",
    )
    url = f"{sandbox.telegram_api_url}/bot{creds['token']}/getMe"

    first, second, third = (requests.get(url, timeout=10) for _ in range(3))

    assert (first.status_code, first.json()["description"]) == (401, "Unauthorized")
    assert (second.status_code, second.json()["description"]) == (
        403,
        "Forbidden: bot was kicked from the channel chat",
    )
    assert third.status_code == 200


def test_telegram_drop_mid_upload(sandbox, clip_file):
    creds = sandbox.control.issue_credentials("telegram")
    sandbox.control.inject("telegram", "drop", method="sendVideo", after_bytes=MB)

    with pytest.raises(requests.ConnectionError), clip_file(10 * MB).open("rb") as handle:
        encoder = MultipartEncoder(
            {"chat_id": creds["chat_id"], "video": ("clip.mp4", handle, "video/mp4")}
        )
        requests.post(
            f"{sandbox.telegram_api_url}/bot{creds['token']}/sendVideo",
            data=encoder,
            headers={"Content-Type": encoder.content_type},
            timeout=30,
        )

    assert sandbox.control.videos("telegram") == []


def test_rutube_rate_limit_and_auth(sandbox):
    token = sandbox.control.issue_credentials("rutube")["token"]
    sandbox.control.inject("rutube", "rate_limit", retry_after=5)
    sandbox.control.inject("rutube", "auth_expired")
    url = f"{sandbox.rutube_api_url}/video/person/"
    headers = {"Authorization": f"Token {token}"}

    limited = requests.get(url, headers=headers, timeout=10)
    expired = requests.get(url, headers=headers, timeout=10)

    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "5")
    assert "detail" in limited.json()
    assert (expired.status_code, expired.json()) == (401, {"detail": "Invalid token."})


def test_rutube_rejected_moderation(sandbox, file_server):
    from tests.sandbox.conftest import wait_for

    token = sandbox.control.issue_credentials("rutube")["token"]
    sandbox.control.inject("rutube", "rejected", reason="Нарушение правил")
    headers = {"Authorization": f"Token {token}"}

    video_id = requests.post(
        f"{sandbox.rutube_api_url}/video/",
        json={"url": f"{file_server}/bytes/100", "title": "Клип"},
        headers=headers,
        timeout=10,
    ).json()["video_id"]

    def status() -> dict:
        return requests.get(f"{sandbox.rutube_api_url}/video/{video_id}/", timeout=10).json()

    video = wait_for(lambda: status() if status()["status"] != "processing" else None)
    assert video["status"] == "rejected"
    assert video["rejection_reason"] == "Нарушение правил"


def test_dzen_rate_limit_server_error_and_auth(sandbox):
    token = sandbox.control.issue_credentials("dzen")["access_token"]
    sandbox.control.inject("dzen", "rate_limit", retry_after=3)
    sandbox.control.inject("dzen", "server_error", status=503)
    sandbox.control.inject("dzen", "auth_expired")
    url = f"{sandbox.dzen_api_url}/v1/me"
    headers = {"Authorization": f"OAuth {token}"}

    limited, unavailable, expired = (
        requests.get(url, headers=headers, timeout=10) for _ in range(3)
    )

    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
    assert limited.json()["error"]["code"] == "too_many_requests"
    assert unavailable.status_code == 503
    assert (expired.status_code, expired.json()["error"]["code"]) == (401, "unauthorized")


def test_dzen_drop_mid_put(sandbox, clip_file):
    token = sandbox.control.issue_credentials("dzen")["access_token"]
    created = requests.post(
        f"{sandbox.dzen_api_url}/v1/videos",
        json={"title": "Клип"},
        headers={"Authorization": f"OAuth {token}"},
        timeout=10,
    ).json()
    sandbox.control.inject("dzen", "drop", method="upload", after_bytes=MB)

    with pytest.raises(requests.ConnectionError), clip_file(10 * MB).open("rb") as handle:
        requests.put(
            created["upload_url"], data=handle, headers={"Content-Type": "video/mp4"}, timeout=30
        )

    assert sandbox.control.videos("dzen")[0]["uploaded_at"] is None


def test_oauth_token_endpoint_faults(sandbox):
    sandbox.control.inject("vkid", "server_error", method="token")
    sandbox.control.inject("yandex", "rate_limit", method="token", retry_after=4)

    vk_answer = requests.post(
        f"{sandbox.vk_id_url}/oauth2/auth", data={"grant_type": "refresh_token"}, timeout=10
    )
    ya_answer = requests.post(
        f"{sandbox.yandex_oauth_url}/token", data={"grant_type": "refresh_token"}, timeout=10
    )

    assert (vk_answer.status_code, vk_answer.json()["error"]) == (500, "server_error")
    assert (ya_answer.status_code, ya_answer.headers["Retry-After"]) == (429, "4")


@pytest.mark.parametrize(
    ("platform", "fault"),
    [("nowhere", "server_error"), ("vk", "explode"), ("telegram", "vk_error"), ("vk", "rejected")],
)
def test_unknown_platform_or_fault_is_refused(sandbox, platform, fault):
    with pytest.raises(ValueError):
        sandbox.control.inject(platform, fault)
