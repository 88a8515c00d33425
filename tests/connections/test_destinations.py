"""Choosing and managing places on the settings pages: VK lists the communities the token may
post to (``groups.get``, ``filter=admin,editor``) and the user ticks them; a Telegram bot gets
another channel (checked with ``getChat``/``getChatMember``); each place can be checked,
renamed, switched off and removed; the plan limits how many there are."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest

from clipmaker.accounts.models import Plan
from platforms.constants import Platform
from platforms.models import ConnectionStatus, Destination
from publishing.models import PublicationStatus
from tests.factories import (
    ClipFactory,
    DestinationFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    UserFactory,
)

from .test_token_connect import BOT, BOT_TOKEN, TG, tg_error, tg_ok

pytestmark = pytest.mark.django_db

VK_API = "https://api.vk.test/method"
ANNA = {"response": [{"id": 777001, "first_name": "Анна", "last_name": "Клипова"}]}
GROUPS = {
    "response": {
        "count": 2,
        "items": [
            {"id": 55, "name": "Кухня за 10 минут", "screen_name": "kitchen10"},
            {"id": 66, "name": "Дача", "screen_name": "dacha"},
        ],
    }
}


def body_of(call: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


@pytest.fixture
def vk(user: Any) -> Any:
    return PlatformConnectionFactory(
        user=user, platform=Platform.VK, account_id="777001", account_name="Анна Клипова"
    )


@pytest.fixture
def bot(user: Any) -> Any:
    connection = PlatformConnectionFactory(
        user=user,
        platform=Platform.TELEGRAM,
        account_id=str(BOT["id"]),
        account_name="@clip_bot",
        tokens=(BOT_TOKEN, None),
        own_destination=False,
    )
    DestinationFactory(connection=connection, external_id="-100111", name="Основной")
    return connection


def places_url(connection: Any) -> str:
    return f"/settings/platforms/connections/{connection.pk}/places/"


# --- VK: tick the communities it lists ---------------------------------------------------------


def test_vk_lists_the_page_and_the_communities_the_user_may_post_to(web, http, vk):
    http.post(f"{VK_API}/users.get", json=ANNA)
    http.post(f"{VK_API}/groups.get", json=GROUPS)

    html = web.get(places_url(vk)).content.decode()

    asked = body_of(http.calls[1])
    assert (asked["filter"], asked["extended"]) == ("admin,editor", "1")
    assert "Кухня за 10 минут" in html and "Дача" in html
    assert 'value="-55"' in html and 'value="-66"' in html
    # The page was added when connecting: it is listed as added, not offered again.
    assert 'value="777001"' not in html
    assert "Страница «Анна Клипова»" in html


def test_ticked_communities_become_places_that_post_into_the_community(web, http, vk, user):
    http.post(f"{VK_API}/users.get", json=ANNA)
    http.post(f"{VK_API}/groups.get", json=GROUPS)

    response = web.post(places_url(vk), {"place": ["-55"]})

    assert response.status_code == 302 and response["Location"] == "/settings/platforms/"
    kitchen = Destination.objects.get(connection=vk, external_id="-55")
    assert (kitchen.kind, kitchen.name, kitchen.extra) == (
        "community",
        "Кухня за 10 минут",
        {"group_id": 55},
    )
    assert kitchen.label == "VK · Сообщество «Кухня за 10 минут»"
    assert kitchen.credentials().extra["group_id"] == 55  # what the VK adapter posts with
    assert not Destination.objects.filter(connection=vk, external_id="-66").exists()


def test_a_community_vk_no_longer_offers_is_refused(web, http, vk, messages_of):
    http.post(f"{VK_API}/users.get", json=ANNA)
    http.post(f"{VK_API}/groups.get", json=GROUPS)

    response = web.post(places_url(vk), {"place": ["-99"]}, follow=True)

    assert "больше не предлагает это место" in " ".join(messages_of(response))
    assert Destination.objects.filter(connection=vk).count() == 1


def test_the_plan_limits_how_many_communities_can_be_added(web, http, vk, user, messages_of):
    user.destination_limit = 2
    user.save()
    http.post(f"{VK_API}/users.get", json=ANNA)
    http.post(f"{VK_API}/groups.get", json=GROUPS)

    response = web.post(places_url(vk), {"place": ["-55", "-66"]}, follow=True)

    assert "не больше чем в 2 мест" in " ".join(messages_of(response))
    assert Destination.objects.filter(connection=vk).count() == 1  # all or nothing


def test_a_refused_listing_says_why_and_still_shows_the_places_added(web, http, vk):
    http.post(f"{VK_API}/users.get", json=ANNA)
    http.post(
        f"{VK_API}/groups.get", json={"error": {"error_code": 15, "error_msg": "Access denied"}}
    )

    html = web.get(places_url(vk)).content.decode()

    assert 'data-testid="places-error"' in html and "VK запретил доступ" in html
    assert "Страница «Анна Клипова»" in html


# --- Telegram: another channel for the same bot --------------------------------------------


def test_a_second_channel_is_checked_with_the_bot_api_then_added(web, http, bot):
    channel = {"id": -100222, "type": "channel", "title": "Запасной", "username": "backup_ch"}
    http.post(f"{TG}/getMe", json=tg_ok(BOT))
    http.post(f"{TG}/getChat", json=tg_ok(channel))
    http.post(
        f"{TG}/getChatMember",
        json=tg_ok({"status": "administrator", "can_post_messages": True, "user": BOT}),
    )

    response = web.post(places_url(bot) + "add/", {"chat_id": "https://t.me/backup_ch"})

    assert response.status_code == 302
    assert body_of(http.calls[1]) == {"chat_id": "@backup_ch"}
    assert body_of(http.calls[2]) == {"chat_id": "-100222", "user_id": str(BOT["id"])}
    added = Destination.objects.get(connection=bot, external_id="-100222")
    assert (added.name, added.extra) == (
        "Запасной",
        {"chat_id": -100222, "chat_username": "backup_ch"},
    )
    assert bot.destinations.filter(removed_at__isnull=True).count() == 2


def test_a_channel_where_the_bot_cannot_post_is_refused_on_the_field(web, http, bot):
    http.post(f"{TG}/getMe", json=tg_ok(BOT))
    http.post(f"{TG}/getChat", json=tg_ok({"id": -100333, "type": "channel", "title": "Чужой"}))
    http.post(f"{TG}/getChatMember", json=tg_ok({"status": "member", "user": BOT}))

    response = web.post(places_url(bot) + "add/", {"chat_id": "-100333"})

    assert response.status_code == 400
    errors = [str(e) for e in response.context["form"].errors["chat_id"]]
    assert "не администратор канала" in errors[0]
    assert not Destination.objects.filter(external_id="-100333").exists()


def test_a_malformed_channel_is_refused_before_asking_telegram(web, http, bot):
    response = web.post(places_url(bot) + "add/", {"chat_id": "не канал!"})

    assert response.status_code == 400
    assert "@имя_канала" in str(response.context["form"].errors["chat_id"][0])
    assert len(http.calls) == 0


def test_a_revoked_bot_token_marks_the_connection_expired(web, http, bot):
    http.post(f"{TG}/getMe", status=401, json=tg_error(401, "Unauthorized"))

    response = web.post(places_url(bot) + "add/", {"chat_id": "@backup_ch"})

    assert response.status_code == 400
    assert "@BotFather" in response.content.decode()
    bot.refresh_from_db()
    assert bot.status == ConnectionStatus.EXPIRED


# --- each place: check, rename, switch off, remove -------------------------------------------


def test_checking_a_channel_asks_telegram_about_that_channel(web, http, bot, messages_of):
    place = bot.destinations.get()
    renamed = {"id": -100111, "type": "channel", "title": "Новое имя"}
    http.post(f"{TG}/getMe", json=tg_ok(BOT))
    http.post(f"{TG}/getChat", json=tg_ok(renamed))
    http.post(f"{TG}/getChatMember", json=tg_ok({"status": "creator", "user": BOT}))

    response = web.post(f"/settings/platforms/destinations/{place.pk}/test/", follow=True)

    assert body_of(http.calls[1]) == {"chat_id": "-100111"}
    assert "Можно публиковать" in " ".join(messages_of(response))
    place.refresh_from_db()
    assert (place.last_check_ok, place.name) == (True, "Новое имя")


def test_a_failed_check_is_recorded_with_its_reason(web, http, bot):
    place = bot.destinations.get()
    http.post(f"{TG}/getMe", json=tg_ok(BOT))
    http.post(
        f"{TG}/getChat",
        status=403,
        json=tg_error(403, "Forbidden: bot was kicked from the channel chat"),
    )

    web.post(f"/settings/platforms/destinations/{place.pk}/test/")

    place.refresh_from_db()
    assert place.last_check_ok is False
    assert "не состоит в канале" in place.last_error


def test_settings_page_shows_each_place_with_its_actions(web, bot):
    DestinationFactory(connection=bot, external_id="-100999", name="Выключенный", enabled=False)

    html = web.get("/settings/platforms/").content.decode()

    assert "Канал «Основной»" in html and "Канал «Выключенный»" in html
    assert html.count(">Проверить</button>") == 2
    assert ">Включить</button>" in html and ">Выключить</button>" in html
    assert "Добавить канал" in html
    assert "Мест публикации: <strong>2 из 10</strong>" in html


def test_rename_switch_off_and_on_from_the_page(web, bot, user):
    place = bot.destinations.get()
    waiting = PublicationFactory(
        clip=ClipFactory(owner=user), destination=place, status=PublicationStatus.SCHEDULED
    )

    web.post(f"/settings/platforms/destinations/{place.pk}/rename/", {"name": "Главный"})
    place.refresh_from_db()
    assert (place.display_name, place.name) == ("Главный", "Основной")

    web.post(f"/settings/platforms/destinations/{place.pk}/disable/")
    place.refresh_from_db()
    waiting.refresh_from_db()
    assert place.enabled is False
    assert waiting.status == PublicationStatus.CANCELLED

    web.post(f"/settings/platforms/destinations/{place.pk}/enable/")
    place.refresh_from_db()
    assert place.enabled is True


def test_remove_asks_first_saying_what_it_cancels(web, bot, user, messages_of):
    place = bot.destinations.get()
    PublicationFactory(
        clip=ClipFactory(owner=user), destination=place, status=PublicationStatus.QUEUED
    )
    url = f"/settings/platforms/destinations/{place.pk}/remove/"

    confirm = web.get(url).content.decode()
    done = web.post(url, follow=True)

    assert "Удалить Telegram · Канал «Основной»?" in confirm
    assert "<strong>1</strong>" in confirm
    assert "Отменено запланированных публикаций: 1." in " ".join(messages_of(done))
    place.refresh_from_db()
    assert place.removed_at is not None


def test_another_users_places_and_connections_are_404(web, http):
    stranger = UserFactory(plan=Plan.PRO)
    conn = PlatformConnectionFactory(user=stranger, platform=Platform.TELEGRAM)
    place = conn.destinations.get()

    for method, url in (
        ("get", f"/settings/platforms/connections/{conn.pk}/places/"),
        ("post", f"/settings/platforms/connections/{conn.pk}/places/add/"),
        ("post", f"/settings/platforms/connections/{conn.pk}/test/"),
        ("get", f"/settings/platforms/connections/{conn.pk}/disconnect/"),
        ("post", f"/settings/platforms/destinations/{place.pk}/test/"),
        ("post", f"/settings/platforms/destinations/{place.pk}/rename/"),
        ("post", f"/settings/platforms/destinations/{place.pk}/disable/"),
        ("post", f"/settings/platforms/destinations/{place.pk}/enable/"),
        ("get", f"/settings/platforms/destinations/{place.pk}/remove/"),
        ("post", f"/settings/platforms/destinations/{place.pk}/remove/"),
    ):
        assert getattr(web, method)(url).status_code == 404, url
    place.refresh_from_db()
    assert place.enabled and place.removed_at is None and place.custom_name == ""


def test_connecting_a_second_account_keeps_the_first(web, http, user, vk):
    """Reconnecting the same account updates it; another account is another connection."""
    from platforms.services import connection_store

    again = connection_store(
        user=user, platform="vk", access_token="new", account_id="777001", account_name="Анна"
    )
    other = connection_store(
        user=user, platform="vk", access_token="x", account_id="888", account_name="Борис"
    )

    assert again.pk == vk.pk and again.get_token("access_token") == "new"
    assert other.pk != vk.pk
    assert {d.external_id for d in Destination.objects.filter(connection__user=user)} == {
        "777001",
        "888",
    }


def test_connecting_with_no_slot_left_keeps_the_connection_without_a_place(user):
    from platforms.services import connection_store

    user.destination_limit = 0
    user.save()

    conn = connection_store(user=user, platform="rutube", access_token="t", account_id="r1")

    assert conn.status == ConnectionStatus.ACTIVE
    assert not conn.destinations.exists()


def test_adding_channels_by_hand_counts_against_the_check_limit(web, http, bot):
    """30 an hour across the page and the API, shared with connection checks."""
    http.post(f"{TG}/getMe", json=tg_ok(BOT))
    http.post(f"{TG}/getChat", status=400, json=tg_error(400, "Bad Request: chat not found"))
    api = f"/api/v1/connections/{bot.pk}/destinations/"
    for _ in range(15):
        assert web.post(places_url(bot) + "add/", {"chat_id": "@backup_ch"}).status_code == 400
        assert web.post(api, {"chat_id": "@backup_ch"}).status_code == 400

    page = web.post(places_url(bot) + "add/", {"chat_id": "@backup_ch"})
    refused = web.post(api, {"chat_id": "@backup_ch"})

    assert page.status_code == 429
    assert "не больше 30 в час" in page.content.decode()
    assert refused.status_code == 429
    assert len(http.calls) == 60  # Telegram was not asked again
