"""The control API over HTTP (/sandbox/_control/) and the journal."""

from __future__ import annotations

import pytest
import requests
from django.conf import settings

pytestmark = pytest.mark.live


def test_credentials_over_http_give_a_working_bot_and_channel(sandbox):
    creds = requests.post(
        f"{sandbox.url}/_control/credentials/",
        json={"platform": "telegram"},
        headers=auth(),
        timeout=10,
    )

    assert creds.status_code == 201
    body = creds.json()
    assert body["chat_id"].startswith("@sandbox_")
    chat = requests.get(
        f"{sandbox.telegram_api_url}/bot{body['token']}/getChat",
        params={"chat_id": body["chat_id"]},
        headers=auth(),
        timeout=10,
    )
    assert chat.json()["result"]["type"] == "channel"


def test_rutube_credentials_over_http(sandbox):
    token = requests.post(
        f"{sandbox.url}/_control/credentials/",
        json={"platform": "rutube"},
        headers=auth(),
        timeout=10,
    ).json()["token"]

    answer = requests.get(
        f"{sandbox.rutube_api_url}/video/person/",
        headers={"Authorization": f"Token {token}"},
        timeout=10,
    )

    assert answer.status_code == 200


def test_faults_over_http(sandbox):
    token = sandbox.control.issue_credentials("vk")["access_token"]
    created = requests.post(
        f"{sandbox.url}/_control/faults/",
        json={"platform": "vk", "fault": "vk_error", "count": 1, "method": "users.get", "code": 10},
        headers=auth(),
        timeout=10,
    )
    listed = requests.get(f"{sandbox.url}/_control/faults/", headers=auth(), timeout=10).json()

    answer = requests.post(
        f"{sandbox.vk_api_url}/users.get",
        data={"v": "5.199", "access_token": token},
        headers=auth(),
        timeout=10,
    )

    assert created.status_code == 201
    assert listed == [
        {
            "id": created.json()["id"],
            "platform": "vk",
            "fault": "vk_error",
            "method": "users.get",
            "remaining": 1,
            "params": {"code": 10, "message": ""},
        }
    ]
    assert answer.json()["error"]["error_code"] == 10
    assert requests.get(f"{sandbox.url}/_control/faults/", headers=auth(), timeout=10).json() == []


def test_bad_fault_over_http_is_400(sandbox):
    answer = requests.post(
        f"{sandbox.url}/_control/faults/",
        json={"platform": "vk", "fault": "explode"},
        headers=auth(),
        timeout=10,
    )

    assert answer.status_code == 400
    assert "unknown fault" in answer.json()["detail"]


def test_delete_faults(sandbox):
    sandbox.control.inject("vk", "server_error", count=5)

    deleted = requests.delete(f"{sandbox.url}/_control/faults/", headers=auth(), timeout=10)

    assert deleted.json() == {"deleted": 1}
    assert sandbox.control.faults() == []


def test_journal_videos_settings_clock_and_reset_over_http(sandbox):
    token = sandbox.control.issue_credentials("vk")["access_token"]
    requests.post(
        f"{sandbox.url}/_control/settings/",
        json={"processing_seconds": 5, "upload_limits": {"vk": 100}},
        headers=auth(),
        timeout=10,
    )
    requests.post(
        f"{sandbox.vk_api_url}/video.save",
        data={"v": "5.199", "access_token": token, "name": "Клип"},
        headers=auth(),
        timeout=10,
    )

    journal = requests.get(
        f"{sandbox.url}/_control/journal/", params={"platform": "vk"}, headers=auth(), timeout=10
    ).json()
    held = requests.get(
        f"{sandbox.url}/_control/videos/", params={"platform": "vk"}, headers=auth(), timeout=10
    ).json()
    knobs = requests.get(f"{sandbox.url}/_control/settings/", headers=auth(), timeout=10).json()
    clock = requests.post(
        f"{sandbox.url}/_control/clock/", json={"advance": 60}, headers=auth(), timeout=10
    ).json()

    assert [(e["platform"], e["method"], e["http_method"], e["status"]) for e in journal] == [
        ("vk", "video.save", "POST", 200)
    ]
    assert journal[0]["bytes_in"] > 0 and journal[0]["path"] == "/sandbox/vk/method/video.save"
    assert token not in str(journal)
    assert [video["title"] for video in held] == ["Клип"]
    assert knobs["processing_seconds"] == 5 and knobs["upload_limits"]["vk"] == 100
    assert clock == {"clock_offset": 60.0}

    assert (
        requests.post(f"{sandbox.url}/_control/reset/", headers=auth(), timeout=10).status_code
        == 200
    )
    assert sandbox.control.videos() == [] and sandbox.control.knobs()["processing_seconds"] == 0.3


def test_channel_change_over_http(sandbox):
    creds = sandbox.control.issue_credentials("telegram")

    changed = requests.post(
        f"{sandbox.url}/_control/channels/",
        json={"chat_id": creds["chat_id"], "member_status": "administrator", "can_post": False},
        headers=auth(),
        timeout=10,
    ).json()

    assert changed["can_post"] is False


def auth() -> dict[str, str]:
    return {"X-Sandbox-Token": settings.SANDBOX_CONTROL_TOKEN}


def test_control_refuses_callers_without_the_token_or_a_staff_login(sandbox):
    """Any page open in a browser could otherwise reset the sandbox (cross-site POST)."""
    with requests.Session() as session:
        answer = session.post(
            f"{sandbox.url}/_control/reset/",
            headers={"Origin": "https://elsewhere.example"},
            timeout=10,
        )
        wrong = session.post(
            f"{sandbox.url}/_control/reset/", headers={"X-Sandbox-Token": "guess"}, timeout=10
        )
        read = session.get(f"{sandbox.url}/_control/journal/", timeout=10)

    assert (answer.status_code, wrong.status_code, read.status_code) == (403, 403, 403)
    assert "X-Sandbox-Token" in answer.json()["detail"]


def test_a_staff_session_may_use_control_but_only_with_csrf(sandbox, live_server):
    from tests.factories import UserFactory

    UserFactory(username="staff-sbx", is_staff=True)
    UserFactory(username="plain-sbx")
    for username, expected in (("plain-sbx", 403), ("staff-sbx", 200)):
        with requests.Session() as session:
            page = session.get(f"{live_server.url}/accounts/login/", timeout=10)
            assert page.status_code == 200
            csrf = session.cookies["csrftoken"]
            session.post(
                f"{live_server.url}/accounts/login/",
                data={"username": username, "password": "secret-pass-123"},
                headers={"X-CSRFToken": csrf, "Referer": f"{live_server.url}/accounts/login/"},
                timeout=10,
            )
            assert session.get(f"{sandbox.url}/_control/", timeout=10).status_code == expected
            forged = session.post(f"{sandbox.url}/_control/reset/", timeout=10)
            assert forged.status_code == 403
            with_csrf = session.post(
                f"{sandbox.url}/_control/reset/",
                headers={
                    "X-CSRFToken": session.cookies["csrftoken"],
                    "Referer": f"{live_server.url}/",
                },
                timeout=10,
            )
            assert with_csrf.status_code == expected


def test_index_lists_faults_and_knobs(sandbox):
    index = requests.get(f"{sandbox.url}/_control/", headers=auth(), timeout=10).json()

    assert set(index["faults"]) >= {
        "server_error",
        "rate_limit",
        "auth_expired",
        "slow",
        "drop",
        "accept_then_drop",
        "vk_error",
        "http_error",
        "rejected",
    }
    assert index["knobs"]["state_path"] == str(sandbox.state_path)


def test_journal_holds_no_token_anywhere(sandbox):
    vk = sandbox.control.issue_credentials("vk")
    dzen = sandbox.control.issue_credentials("dzen")
    rutube = sandbox.control.issue_credentials("rutube")
    requests.get(
        f"{sandbox.vk_api_url}/users.get",
        params={"v": "5.199", "access_token": vk["access_token"]},
        headers=auth(),
        timeout=10,
    )
    requests.get(
        f"{sandbox.dzen_api_url}/v1/me",
        headers={"Authorization": f"OAuth {dzen['access_token']}"},
        timeout=10,
    )
    requests.get(
        f"{sandbox.rutube_api_url}/video/person/",
        headers={"Authorization": f"Token {rutube['token']}"},
        timeout=10,
    )
    requests.post(
        f"{sandbox.vk_id_url}/oauth2/auth",
        data={
            "grant_type": "refresh_token",
            "refresh_token": vk["refresh_token"],
            "client_id": "c",
            "device_id": vk["device_id"],
        },
        headers=auth(),
        timeout=10,
    )

    files = [sandbox.state_path, sandbox.state_path.with_name(sandbox.state_path.name + "-wal")]
    text = str(sandbox.control.journal()) + "".join(
        path.read_bytes().decode("latin-1") for path in files if path.exists()
    )

    assert len(sandbox.control.journal()) == 4
    for secret in (vk["access_token"], vk["refresh_token"], dzen["access_token"], rutube["token"]):
        assert secret not in text
