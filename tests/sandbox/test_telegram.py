"""Telegram Bot API stand-in over real HTTP: connect checks, sendVideo, validation."""

from __future__ import annotations

import pytest
import requests
from requests_toolbelt import MultipartEncoder

from platforms.constants import MB

pytestmark = pytest.mark.live


def call(sandbox, token: str, method: str, **params):  # type: ignore[no-untyped-def]
    return requests.post(f"{sandbox.telegram_api_url}/bot{token}/{method}", data=params, timeout=10)


def send_video(
    sandbox, token: str, chat_id: str, path, field: str = "video", caption: str = "Клип"
):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        encoder = MultipartEncoder(
            {
                "chat_id": chat_id,
                "caption": caption,
                "supports_streaming": "true",
                field: ("clip.mp4", handle, "video/mp4"),
            }
        )
        return requests.post(
            f"{sandbox.telegram_api_url}/bot{token}/sendVideo",
            data=encoder,
            headers={"Content-Type": encoder.content_type},
            timeout=60,
        )


def test_connect_checks_then_send_video(sandbox, clip_file):
    creds = sandbox.control.issue_credentials("telegram")
    token, chat_id = creds["token"], creds["chat_id"]

    me = call(sandbox, token, "getMe").json()
    chat = call(sandbox, token, "getChat", chat_id=chat_id).json()
    member = call(
        sandbox, token, "getChatMember", chat_id=chat_id, user_id=me["result"]["id"]
    ).json()
    sent = send_video(sandbox, token, chat_id, clip_file(2 * MB))

    assert me["ok"] and me["result"]["is_bot"] and me["result"]["id"] == creds["bot_id"]
    assert chat["result"]["type"] == "channel" and chat["result"]["username"] == chat_id[1:]
    assert member["result"]["status"] == "administrator"
    assert member["result"]["can_post_messages"] is True
    assert sent.status_code == 200
    message = sent.json()["result"]
    assert message["message_id"] == 1
    assert message["chat"]["id"] == chat["result"]["id"]
    assert message["video"]["file_size"] == 2 * MB
    assert message["caption"] == "Клип"
    assert sandbox.control.videos("telegram")[0]["bytes"] == 2 * MB


def test_numeric_chat_id_and_json_body_work(sandbox):
    creds = sandbox.control.issue_credentials("telegram", scenario="private")
    response = requests.post(
        f"{sandbox.telegram_api_url}/bot{creds['token']}/getChat",
        json={"chat_id": int(creds["chat_id"])},
        timeout=10,
    )

    assert response.json()["result"]["id"] == int(creds["chat_id"])
    assert str(response.json()["result"]["id"]).startswith("-100")


@pytest.mark.parametrize(
    ("scenario", "chat_type", "status", "can_post"),
    [
        ("group", "group", "administrator", None),
        ("not_admin", "channel", "member", None),
        ("cannot_post", "channel", "administrator", False),
        ("not_member", "channel", "left", None),
        ("creator", "channel", "creator", None),
    ],
)
def test_verification_scenarios(sandbox, scenario, chat_type, status, can_post):
    creds = sandbox.control.issue_credentials("telegram", scenario=scenario)

    chat = call(sandbox, creds["token"], "getChat", chat_id=creds["chat_id"]).json()["result"]
    member = call(
        sandbox, creds["token"], "getChatMember", chat_id=creds["chat_id"], user_id=creds["bot_id"]
    ).json()["result"]

    assert chat["type"] == chat_type
    assert member["status"] == status
    assert member.get("can_post_messages") == can_post


def test_chat_not_found(sandbox):
    creds = sandbox.control.issue_credentials("telegram", scenario="chat_not_found")

    response = call(sandbox, creds["token"], "getChat", chat_id=creds["chat_id"])

    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }


@pytest.mark.parametrize(
    ("scenario", "status", "description"),
    [
        ("not_member", 403, "Forbidden: bot is not a member of the channel chat"),
        ("kicked", 403, "Forbidden: bot was kicked from the channel chat"),
        ("cannot_post", 400, "Bad Request: need administrator rights in the channel chat"),
        ("not_admin", 400, "Bad Request: need administrator rights in the channel chat"),
    ],
)
def test_send_video_without_rights_is_refused(sandbox, clip_file, scenario, status, description):
    creds = sandbox.control.issue_credentials("telegram", scenario=scenario)

    response = send_video(sandbox, creds["token"], creds["chat_id"], clip_file(1000))

    assert (response.status_code, response.json()["description"]) == (status, description)
    assert sandbox.control.videos("telegram") == []


def test_bot_kicked_after_connecting(sandbox, clip_file):
    creds = sandbox.control.issue_credentials("telegram")
    sandbox.control.update_channel(creds["chat_id"], member_status="kicked")

    response = send_video(sandbox, creds["token"], creds["chat_id"], clip_file(1000))

    assert response.status_code == 403


def test_file_over_50_mb_is_too_big(sandbox, clip_file):
    creds = sandbox.control.issue_credentials("telegram")

    response = send_video(sandbox, creds["token"], creds["chat_id"], clip_file(50_000_001))

    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: file is too big"
    assert sandbox.control.journal("telegram")[-1]["bytes_in"] > 50_000_000


def test_a_file_of_exactly_50_mb_is_taken(sandbox, clip_file):
    creds = sandbox.control.issue_credentials("telegram")

    response = send_video(sandbox, creds["token"], creds["chat_id"], clip_file(50_000_000))

    assert response.status_code == 200


def test_local_bot_api_server_takes_bigger_files(sandbox, clip_file, settings):
    settings.TELEGRAM_LOCAL_API = True
    creds = sandbox.control.issue_credentials("telegram")

    response = send_video(sandbox, creds["token"], creds["chat_id"], clip_file(50_000_001))

    assert response.status_code == 200


def test_wrong_field_name_means_no_video(sandbox, clip_file):
    creds = sandbox.control.issue_credentials("telegram")

    response = send_video(sandbox, creds["token"], creds["chat_id"], clip_file(1000), field="file")

    assert response.json()["description"] == "Bad Request: there is no video in the request"


def test_missing_chat_id_and_long_caption(sandbox, clip_file):
    creds = sandbox.control.issue_credentials("telegram")

    no_chat = send_video(sandbox, creds["token"], "", clip_file(1000))
    long_caption = send_video(
        sandbox, creds["token"], creds["chat_id"], clip_file(1000), caption="я" * 1025
    )

    assert no_chat.json()["description"] == "Bad Request: chat_id is empty"
    assert long_caption.json()["description"] == "Bad Request: message caption is too long"


@pytest.mark.parametrize(
    ("token", "description"),
    [
        ("not-a-token", "Unauthorized: invalid token specified"),
        ("123456789:AAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "Unauthorized"),
    ],
)
def test_bad_token_is_401(sandbox, token, description):
    response = call(sandbox, token, "getMe")

    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": description}


def test_journal_never_holds_the_bot_token(sandbox, clip_file):
    creds = sandbox.control.issue_credentials("telegram")
    call(sandbox, creds["token"], "getMe")
    send_video(sandbox, creds["token"], creds["chat_id"], clip_file(1000))

    entries = sandbox.control.journal("telegram")

    assert [entry["method"] for entry in entries] == ["getMe", "sendVideo"]
    assert entries[0]["path"].endswith("/sandbox/telegram/bot<redacted>/getMe")
    secret = creds["token"].split(":")[1]
    assert all(secret not in str(entry) and creds["token"] not in str(entry) for entry in entries)
