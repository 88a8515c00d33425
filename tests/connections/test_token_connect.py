"""Token connections (Rutube API token, Telegram bot + channel) verified before they are saved.

Given the connect form, when the platform refuses the token or the channel, then the user
sees a specific Russian message, nothing is stored, the chat id stays in the form and the token
is never rendered back.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from platforms.models import ConnectionStatus, PlatformConnection
from tests.fixtures.platform_urls import fake_url

pytestmark = pytest.mark.django_db

BOT_TOKEN = "123456789:AAHsecretBotTokenValue0123456789abcd"
TG = f"{fake_url('TELEGRAM_API_URL')}/bot{BOT_TOKEN}"
RUTUBE = fake_url("RUTUBE_API_URL")
RUTUBE_TOKEN = "rutube-secret-token-0123456789abcdef"
BOT = {"id": 123456789, "is_bot": True, "first_name": "Клип бот", "username": "clip_bot"}
CHANNEL = {"id": -1001234567890, "type": "channel", "title": "Мой канал", "username": "my_channel"}


def tg_ok(result: Any) -> dict[str, Any]:
    return {"ok": True, "result": result}


def tg_error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


def connect_telegram(web: Any, chat_id: str = "@my_channel", token: str = BOT_TOKEN) -> Any:
    return web.post("/settings/platforms/telegram/connect/", {"token": token, "chat_id": chat_id})


def form_errors(response: Any, field: str) -> list[str]:
    return [str(e) for e in response.context["form"].errors.get(field, [])]


def test_telegram_connects_when_bot_is_an_admin_that_can_post(web, http, user):
    http.post(f"{TG}/getMe", json=tg_ok(BOT))
    http.post(f"{TG}/getChat", json=tg_ok(CHANNEL))
    http.post(
        f"{TG}/getChatMember",
        json=tg_ok({"status": "administrator", "can_post_messages": True, "user": BOT}),
    )

    response = connect_telegram(web)

    assert response.status_code == 302 and response["Location"] == "/settings/platforms/"
    conn = PlatformConnection.objects.get(user=user, platform="telegram")
    assert conn.status == ConnectionStatus.ACTIVE
    # The connection is the bot; the channel is its first place.
    assert (conn.account_id, conn.account_name) == ("123456789", "@clip_bot")
    assert "chat_id" not in conn.extra
    assert conn.get_token("access_token") == BOT_TOKEN
    (channel,) = conn.destinations.all()
    assert (channel.kind, channel.name, channel.external_id) == (
        "channel",
        "Мой канал",
        "-1001234567890",
    )
    assert channel.extra == {"chat_id": -1001234567890, "chat_username": "my_channel"}


@pytest.mark.parametrize(
    ("mocks", "field", "fragment"),
    [
        pytest.param(
            [("getMe", 401, tg_error(401, "Unauthorized"))],
            "token",
            "Telegram не принял токен бота",
            id="invalid-token",
        ),
        pytest.param(
            [
                ("getMe", 200, tg_ok(BOT)),
                ("getChat", 400, tg_error(400, "Bad Request: chat not found")),
            ],
            "chat_id",
            "не найден",
            id="chat-not-found",
        ),
        pytest.param(
            [
                ("getMe", 200, tg_ok(BOT)),
                ("getChat", 200, tg_ok({**CHANNEL, "type": "supergroup"})),
            ],
            "chat_id",
            "не канал",
            id="not-a-channel",
        ),
        pytest.param(
            [
                ("getMe", 200, tg_ok(BOT)),
                ("getChat", 200, tg_ok(CHANNEL)),
                ("getChatMember", 200, tg_ok({"status": "member", "user": BOT})),
            ],
            "chat_id",
            "не администратор канала",
            id="bot-not-admin",
        ),
        pytest.param(
            [
                ("getMe", 200, tg_ok(BOT)),
                ("getChat", 200, tg_ok(CHANNEL)),
                (
                    "getChatMember",
                    200,
                    tg_ok({"status": "administrator", "can_post_messages": False, "user": BOT}),
                ),
            ],
            "chat_id",
            "без права «Публикация сообщений»",
            id="bot-cannot-post",
        ),
        pytest.param(
            [
                ("getMe", 200, tg_ok(BOT)),
                (
                    "getChat",
                    403,
                    tg_error(403, "Forbidden: bot is not a member of the channel chat"),
                ),
            ],
            "chat_id",
            "не состоит в канале",
            id="bot-not-member",
        ),
    ],
)
def test_telegram_refusal_shows_a_specific_message_and_stores_nothing(
    web, http, user, mocks, field, fragment
):
    for method, status, body in mocks:
        http.post(f"{TG}/{method}", status=status, json=body)

    response = connect_telegram(web)

    assert response.status_code == 200
    errors = form_errors(response, field)
    assert errors and fragment in errors[0], errors
    assert not PlatformConnection.objects.filter(user=user).exists()
    html = response.content.decode()
    assert 'value="@my_channel"' in html  # the channel stays in the form
    assert BOT_TOKEN not in html  # the token is never rendered back
    assert "AAHsecretBotToken" not in html


def test_telegram_malformed_token_is_refused_without_calling_telegram(web, http, user):
    response = connect_telegram(web, token="not a token")

    assert "не похоже на токен бота" in form_errors(response, "token")[0]
    assert len(http.calls) == 0


def test_telegram_channel_link_is_normalised_to_its_username(web, http, user):
    http.post(f"{TG}/getMe", json=tg_ok(BOT))
    http.post(f"{TG}/getChat", json=tg_ok(CHANNEL))
    http.post(f"{TG}/getChatMember", json=tg_ok({"status": "creator", "user": BOT}))

    connect_telegram(web, chat_id="https://t.me/my_channel")

    assert http.calls[1].request.body == "chat_id=%40my_channel"
    assert PlatformConnection.objects.filter(user=user, platform="telegram").exists()


def test_rutube_connects_after_the_token_is_verified(web, http, user):
    http.get(
        f"{RUTUBE}/video/person/",
        json={"results": [{"author": {"id": 555, "name": "Анна на Rutube"}}]},
    )

    response = web.post("/settings/platforms/rutube/connect/", {"token": RUTUBE_TOKEN})

    assert response.status_code == 302
    assert http.calls[0].request.headers["Authorization"] == f"Token {RUTUBE_TOKEN}"
    conn = PlatformConnection.objects.get(user=user, platform="rutube")
    assert (conn.account_id, conn.account_name) == ("555", "Анна на Rutube")
    assert conn.get_token("access_token") == RUTUBE_TOKEN


def test_rutube_invalid_token_is_refused_with_a_message(web, http, user):
    http.get(
        f"{RUTUBE}/video/person/",
        status=401,
        json={"detail": "Invalid token."},
    )

    response = web.post("/settings/platforms/rutube/connect/", {"token": RUTUBE_TOKEN})

    assert "Rutube не принял токен" in form_errors(response, "token")[0]
    assert RUTUBE_TOKEN not in response.content.decode()
    assert not PlatformConnection.objects.filter(user=user).exists()


def test_platform_outage_during_verification_says_to_try_later(web, http, user):
    http.get(f"{RUTUBE}/video/person/", status=503, body="down")

    response = web.post("/settings/platforms/rutube/connect/", {"token": RUTUBE_TOKEN})

    assert "сейчас недоступен" in response.context["form"].non_field_errors()[0]
    assert not PlatformConnection.objects.filter(user=user).exists()


def test_telegram_connect_page_explains_botfather_and_admin_rights(web):
    html = web.get("/settings/platforms/telegram/connect/").content.decode()

    assert "@BotFather" in html
    assert "администратора" in html
    assert 'type="password"' in html


def test_start_plan_cannot_connect_rutube(http):
    from django.test import Client

    from clipmaker.accounts.models import Plan
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(plan=Plan.START))

    response = client.post("/settings/platforms/rutube/connect/", {"token": RUTUBE_TOKEN})

    assert "не включает Rutube" in response.context["form"].non_field_errors()[0]
    assert len(http.calls) == 0
    assert not PlatformConnection.objects.exists()


def test_unknown_platform_page_is_404(web):
    assert web.get("/settings/platforms/myspace/connect/").status_code == 404


def test_rutube_verification_is_skipped_on_empty_token(web, http):
    response = web.post("/settings/platforms/rutube/connect/", {"token": ""})

    assert "Вставьте токен Rutube." in form_errors(response, "token")
    assert len(http.calls) == 0


def test_an_unexpected_failure_never_puts_the_pasted_token_on_the_debug_page(
    user, settings, monkeypatch
):
    # Development runs with DEBUG on: Django's error page (asked for with ?debug=1; people get
    # the friendly page) lists POST data and local variables.
    from django.test import Client

    from platforms.providers.rutube import RutubeProvider

    def broken_verify(self: Any, *, credentials: Any) -> Any:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(RutubeProvider, "verify", broken_verify)
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.force_login(user)
    token = "rutube-" + secrets.token_hex(16)  # not a literal: the page shows source lines

    response = client.post("/settings/platforms/rutube/connect/?debug=1", {"token": token})
    api = client.post("/api/v1/platforms/connect/", {"platform": "rutube", "token": token})
    api_json = client.post(
        "/api/v1/platforms/connect/",
        {"platform": "rutube", "token": token},
        content_type="application/json",
    )

    assert response.status_code == api.status_code == api_json.status_code == 500
    assert "unexpected" in response.content.decode()  # it is the debug page
    for answer in (response, api, api_json):
        assert token not in answer.content.decode()
