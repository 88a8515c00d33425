"""The sandbox's places: several communities per VK account (``groups.get``), several channels
per Telegram bot, and the demo user's six places — each one the real adapters accept."""

from __future__ import annotations

import pytest
import requests

from platforms.destination_flows import destination_places, destination_test
from platforms.models import Destination
from platforms.sandbox.demo import connect_demo_user
from platforms.selectors import destinations_in_order
from tests.factories import UserFactory

pytestmark = pytest.mark.live


def vk(sandbox, method: str, token: str, **params):  # type: ignore[no-untyped-def]
    return requests.post(
        f"{sandbox.vk_api_url}/{method}",
        data={"v": "5.199", **params},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()


def test_every_account_administers_two_communities_by_default(sandbox):
    creds = sandbox.control.issue_credentials("vk")

    answer = vk(sandbox, "groups.get", creds["access_token"], filter="admin,editor", extended=1)

    items = answer["response"]["items"]
    assert answer["response"]["count"] == 2
    assert [i["name"] for i in items] == ["Песочница: сообщество 1", "Песочница: сообщество 2"]
    assert all({"id", "name", "screen_name", "photo_100"} <= set(i) for i in items)
    again = vk(sandbox, "groups.get", creds["access_token"], filter="admin,editor", extended=1)
    assert again == answer  # stable ids


def test_groups_get_filters_by_role_and_answers_ids_without_extended(sandbox):
    creds = sandbox.control.issue_credentials("vk")
    sandbox.control.set_vk_communities(
        creds["account_id"],
        [
            {"name": "А", "role": "admin"},
            {"name": "Р", "role": "editor"},
            {"name": "М", "role": "member"},
        ],
    )
    token = creds["access_token"]

    admin = vk(sandbox, "groups.get", token, filter="admin")["response"]
    editors = vk(sandbox, "groups.get", token, filter="admin,editor")["response"]
    bad = vk(sandbox, "groups.get", token, filter="everything")

    assert admin["count"] == 1 and isinstance(admin["items"][0], int)
    assert editors["count"] == 2
    assert bad["error"]["error_code"] == 100


def test_a_bot_gets_more_channels_and_posts_to_each(sandbox):
    creds = sandbox.control.issue_credentials("telegram")
    second = sandbox.control.add_telegram_channel(creds["bot_id"], title="Второй")
    api = f"{sandbox.telegram_api_url}/bot{creds['token']}"

    chat = requests.post(f"{api}/getChat", data={"chat_id": second["chat_id"]}, timeout=10).json()
    member = requests.post(
        f"{api}/getChatMember",
        data={"chat_id": second["chat"]["id"], "user_id": creds["bot_id"]},
        timeout=10,
    ).json()

    assert chat["result"]["title"] == "Второй"
    assert member["result"]["status"] == "administrator"
    assert second["chat"]["id"] != creds["chat"]["id"]


@pytest.mark.django_db(transaction=True)
def test_the_demo_user_gets_six_places_each_accepted_by_the_platform(sandbox):
    user = UserFactory(username="demo-places")

    connect_demo_user(user)

    places = destinations_in_order(user=user)
    assert [d.label for d in places][1] == "VK · Сообщество «Кухня за 10 минут»"
    assert [d.platform for d in places] == ["vk", "vk", "rutube", "dzen", "telegram", "telegram"]
    for place in places:
        ok, detail = destination_test(destination=place)
        assert ok, (place.label, detail)
    # VK offers the demo account's other community to tick as well.
    vk_connection = places[0].connection
    offered = [o for o in destination_places(connection=vk_connection) if not o.added]
    assert [o.place.name for o in offered] == ["Песочница: сообщество 2"]
    assert Destination.objects.filter(connection__user=user).count() == 6


def test_places_are_set_up_over_the_http_control_api_too(sandbox):
    from django.conf import settings

    auth = {"X-Sandbox-Token": settings.SANDBOX_CONTROL_TOKEN}
    vk_account = sandbox.control.issue_credentials("vk")["account_id"]
    bot = sandbox.control.issue_credentials("telegram")["bot_id"]

    set_up = requests.post(
        f"{sandbox.url}/_control/vk-communities/",
        json={"account": vk_account, "communities": ["Кухня", {"name": "Чат", "role": "member"}]},
        headers=auth,
        timeout=10,
    )
    listed = requests.get(
        f"{sandbox.url}/_control/vk-communities/",
        params={"account": vk_account},
        headers=auth,
        timeout=10,
    )
    channel = requests.post(
        f"{sandbox.url}/_control/telegram-channels/",
        json={"bot_id": bot, "title": "Третий"},
        headers=auth,
        timeout=10,
    )
    refused = requests.post(
        f"{sandbox.url}/_control/telegram-channels/", json={}, headers=auth, timeout=10
    )

    assert set_up.status_code == 200
    assert [(c["name"], c["role"]) for c in listed.json()] == [
        ("Кухня", "admin"),
        ("Чат", "member"),
    ]
    assert channel.status_code == 201 and channel.json()["chat"]["title"] == "Третий"
    assert refused.status_code == 400
