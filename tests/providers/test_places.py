"""The adapters' places (destinations): what each platform's credential can post to, how a
place's settings reach the credentials, and Telegram's channel checks. ``responses`` fakes the
platforms; no database."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from platforms.providers import (
    AccountInfo,
    ConnectInputInvalid,
    Credentials,
    DestinationInfo,
    PermanentError,
    get_provider,
    provider_class,
)

from .support import assert_no_secret

VK_TOKEN = "vk1.a.SECRET-access-token-0123456789"
VK_API = "https://api.vk.test/method"
BOT_TOKEN = "123456789:AAHsecretBotTokenValue0123456789abcd"
TG = f"https://api.telegram.test/bot{BOT_TOKEN}"
BOT = {"id": 123456789, "is_bot": True, "username": "clip_bot"}


def form(call) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


def test_vk_lists_the_page_then_the_communities_from_groups_get(api):
    api.post(f"{VK_API}/users.get", json={"response": [{"id": 7, "first_name": "Анна"}]})
    api.post(
        f"{VK_API}/groups.get",
        json={"response": {"count": 1, "items": [{"id": 55, "name": "Кухня"}]}},
    )

    places = get_provider("vk").destinations(credentials=Credentials(access_token=VK_TOKEN))

    assert places == [
        DestinationInfo(external_id="7", name="Анна", kind="page"),
        DestinationInfo(external_id="-55", name="Кухня", kind="community", extra={"group_id": 55}),
    ]
    sent = form(api.calls[1])
    assert sent == {
        "filter": "admin,editor",
        "extended": "1",
        "count": "1000",
        "offset": "0",
        "v": "5.199",
    }
    assert api.calls[1].request.headers["Authorization"] == f"Bearer {VK_TOKEN}"
    assert VK_TOKEN not in api.calls[1].request.url


def test_vk_pages_through_many_communities(api):
    first = [{"id": i, "name": f"Г{i}"} for i in range(1, 1001)]
    api.post(f"{VK_API}/groups.get", json={"response": {"count": 1002, "items": first}})
    api.post(
        f"{VK_API}/groups.get",
        json={"response": {"count": 1002, "items": [{"id": 1001}, {"id": 1002, "name": "Ш"}]}},
    )

    found = get_provider("vk").communities(Credentials(access_token=VK_TOKEN))  # type: ignore[attr-defined]

    assert len(found) == 1002
    assert form(api.calls[1])["offset"] == "1000"
    assert found[-2] == {"id": 1001, "name": "", "screen_name": "", "photo_100": ""}


def test_vk_refusing_the_list_is_a_russian_permanent_error(api):
    api.post(f"{VK_API}/users.get", json={"response": [{"id": 7, "first_name": "Анна"}]})
    api.post(
        f"{VK_API}/groups.get",
        json={"error": {"error_code": 15, "error_msg": "Access denied: no groups scope"}},
    )

    with pytest.raises(PermanentError) as raised:
        get_provider("vk").destinations(credentials=Credentials(access_token=VK_TOKEN))

    assert "VK запретил доступ" in str(raised.value)
    assert_no_secret(raised.value, VK_TOKEN)


def test_a_vk_community_place_posts_into_the_community():
    vk = provider_class("vk")
    connection = Credentials(access_token=VK_TOKEN, extra={"device_id": "d", "vk_mode": "clip"})

    page = vk.place_credentials(connection, {})
    community = vk.place_credentials(connection, {"group_id": 55})

    assert "group_id" not in page.extra
    assert community.extra == {"device_id": "d", "vk_mode": "clip", "group_id": 55}
    params = get_provider("vk").save_params(community, _meta())  # type: ignore[attr-defined]
    assert params["group_id"] == 55
    assert "group_id" not in get_provider("vk").save_params(page, _meta())  # type: ignore[attr-defined]


def _meta():  # type: ignore[no-untyped-def]
    from platforms.providers import PublishMeta

    return PublishMeta(title="Клип", description="")


def test_vk_account_place_is_the_page_or_the_community_a_connection_named():
    vk = provider_class("vk")

    page = vk.account_destination(AccountInfo("7", "Анна"))
    community = vk.account_destination(AccountInfo("7", "Кухня", extra={"group_id": -55}))

    assert (page.kind, page.external_id) == ("page", "7")
    assert (community.kind, community.external_id, community.extra) == (
        "community",
        "-55",
        {"group_id": 55},
    )


@pytest.mark.parametrize("platform", ["rutube", "dzen"])
def test_rutube_and_dzen_have_one_place_the_accounts_channel(platform):
    place = provider_class(platform).account_destination(AccountInfo("acc-1", "Мой канал"))

    assert place == DestinationInfo(external_id="acc-1", name="Мой канал", kind="channel")
    assert not provider_class(platform).lists_destinations
    assert provider_class(platform).destination_fields == ()
    with pytest.raises(ConnectInputInvalid):
        provider_class(platform).destination_input({"chat_id": "@x"})


def test_telegram_checks_the_channel_a_place_names(api):
    api.post(f"{TG}/getMe", json={"ok": True, "result": BOT})
    api.post(
        f"{TG}/getChat",
        json={"ok": True, "result": {"id": -100222, "type": "channel", "title": "Запасной"}},
    )
    api.post(
        f"{TG}/getChatMember",
        json={"ok": True, "result": {"status": "administrator", "can_post_messages": True}},
    )
    bot = Credentials(access_token=BOT_TOKEN, extra={"bot_id": BOT["id"]})

    place = get_provider("telegram").destination_check(
        credentials=bot,
        place=DestinationInfo(external_id="", name="", extra={"chat_id": "@backup"}),
    )

    assert form(api.calls[1]) == {"chat_id": "@backup"}
    assert place == DestinationInfo(
        external_id="-100222",
        name="Запасной",
        kind="channel",
        extra={"chat_id": -100222, "chat_username": ""},
    )


def test_telegram_verify_without_a_channel_checks_only_the_bot(api):
    api.post(f"{TG}/getMe", json={"ok": True, "result": BOT})

    account = get_provider("telegram").verify(credentials=Credentials(access_token=BOT_TOKEN))

    assert (account.account_id, account.account_name) == ("123456789", "@clip_bot")
    assert provider_class("telegram").account_destination(account) is None
    assert len(api.calls) == 1


def test_telegram_place_input_is_a_channel():
    telegram = provider_class("telegram")

    assert telegram.destination_input({"chat_id": "t.me/my_channel"}) == {"chat_id": "@my_channel"}
    with pytest.raises(ConnectInputInvalid) as raised:
        telegram.destination_input({"chat_id": "два слова"})
    assert raised.value.field == "chat_id"


def test_telegram_limits_each_channel_and_the_bot():
    telegram = provider_class("telegram")

    assert telegram.destination_rate is not None and telegram.destination_rate.per_second == 1.0
    assert telegram.account_rate.per_second == 30.0
    assert provider_class("vk").destination_rate is None  # VK limits the token, not the place
