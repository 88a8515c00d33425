"""Browser: a Pro user connects VK (and ticks a community it lists) and Дзен through the
sandbox's approve pages, Telegram with a bot token and channel (and adds a second channel to
the bot), and Rutube with the test token the page issues; renames, switches off and removes a
place, and disconnects one platform through the confirmation page."""

from __future__ import annotations

import pytest

from clipmaker.accounts.models import Plan
from platforms.models import ConnectionStatus, PlatformConnection
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.live]


def card(page, platform: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#platform-{platform}")


def test_connect_all_four_then_disconnect_one(sandbox, login_as, screenshot):
    user = UserFactory(username="demo", plan=Plan.PRO)
    telegram = sandbox.control.issue_credentials("telegram")
    page = login_as(user)

    # VK: OAuth through the sandbox's approve page, then tick a community it lists.
    page.goto("/settings/platforms/")
    card(page, "vk").get_by_role("button", name="Подключить").click()
    page.wait_for_url("**/sandbox/vkid/authorize**")
    page.fill("#account_name", "Анна Клипова")
    page.get_by_role("button", name="Разрешить").click()
    page.wait_for_url("**/settings/platforms/connections/*/places/")
    assert "VK подключён как Анна Клипова." in page.locator(".messages").inner_text()
    page.get_by_label("Песочница: сообщество 1").check()
    page.get_by_role("button", name="Добавить отмеченные").click()
    page.wait_for_url("**/settings/platforms/")
    vk_card = card(page, "vk").inner_text()
    assert "Подключено как Анна Клипова" in vk_card
    assert "Страница «Анна Клипова»" in vk_card
    assert "Сообщество «Песочница: сообщество 1»" in vk_card

    # Telegram: bot token and channel, verified by the (sandbox) Bot API...
    card(page, "telegram").get_by_role("link", name="Подключить").click()
    page.wait_for_url("**/settings/platforms/telegram/connect/")
    assert "@BotFather" in page.content()
    page.fill("input[name=token]", telegram["token"])
    page.fill("input[name=chat_id]", telegram["chat_id"])
    page.get_by_role("button", name="Проверить и подключить").click()
    page.wait_for_url("**/settings/platforms/")
    tg_card = card(page, "telegram").inner_text()
    assert f"Подключено как @{telegram['bot_username']}" in tg_card
    assert f"Канал «{telegram['chat']['title']}»" in tg_card
    assert telegram["token"] not in page.content()
    # ...and a second channel added to the same bot (the sandbox makes one where it is admin).
    card(page, "telegram").get_by_role("link", name="Добавить канал").click()
    page.wait_for_url("**/settings/platforms/connections/*/places/")
    page.get_by_role("button", name="Создать тестовое место для этого аккаунта").click()
    second = page.locator("[data-testid=sandbox-chat_id]").inner_text()
    assert page.locator("input[name=chat_id]").input_value() == second
    page.get_by_role("button", name="Проверить и добавить").click()
    page.wait_for_url("**/settings/platforms/")
    assert "Добавлено: Telegram · Канал «Песочница: канал" in page.locator(".messages").inner_text()
    assert card(page, "telegram").locator(".place").count() == 2

    # Дзен: OAuth through the sandbox's Yandex approve page.
    card(page, "dzen").get_by_role("button", name="Подключить").click()
    page.wait_for_url("**/sandbox/yandex-oauth/authorize**")
    page.get_by_role("button", name="Разрешить").click()
    page.wait_for_url("**/settings/platforms/")
    assert card(page, "dzen").get_attribute("data-status") == "active"

    # Rutube: the sandbox hands out a test token on the connect page, no code needed.
    card(page, "rutube").get_by_role("link", name="Подключить").click()
    page.wait_for_url("**/settings/platforms/rutube/connect/")
    page.get_by_role("button", name="Выдать тестовые данные").click()
    assert page.locator("[data-testid=sandbox-token]").inner_text().startswith("sbx-rutube-")
    token = page.locator("[data-testid=sandbox-token]").inner_text()
    assert page.locator("input[name=token]").input_value() == token
    page.get_by_role("button", name="Проверить и подключить").click()
    page.wait_for_url("**/settings/platforms/")
    assert "Rutube подключён" in page.locator(".messages").inner_text()
    for platform in ("vk", "rutube", "dzen", "telegram"):
        assert card(page, platform).get_attribute("data-status") == "active", platform
    assert (
        "Мест публикации: 6 из 10" in page.locator("[data-testid=destination-limit]").inner_text()
    )
    screenshot(page, "settings-platforms")

    # Rename the community locally, switch it off, then remove it.
    community = card(page, "vk").locator(".place").nth(1)
    community.locator("summary", has_text="Переименовать").click()
    community.locator("input[name=name]").fill("Рецепты")
    community.get_by_role("button", name="Сохранить").click()
    page.wait_for_url("**/settings/platforms/")
    assert "Сообщество «Рецепты»" in card(page, "vk").inner_text()
    card(page, "vk").locator(".place").nth(1).get_by_role("button", name="Выключить").click()
    page.wait_for_url("**/settings/platforms/")
    assert card(page, "vk").locator(".place").nth(1).get_attribute("data-enabled") == "false"
    card(page, "vk").locator(".place").nth(1).get_by_role("link", name="Удалить").click()
    page.wait_for_url("**/settings/platforms/destinations/*/remove/")
    page.get_by_role("button", name="Да, удалить").click()
    page.wait_for_url("**/settings/platforms/")
    assert card(page, "vk").locator(".place").count() == 1

    # Disconnect Telegram (the bot and both channels) through the confirmation page.
    card(page, "telegram").get_by_role("link", name="Отключить").click()
    page.wait_for_url("**/settings/platforms/connections/*/disconnect/")
    assert "Отключить Telegram?" in page.content()
    assert "Будут удалены места публикации" in page.content()
    assert "ничего не отменится" in page.locator("[data-testid=pending-count]").inner_text()
    page.get_by_role("button", name="Да, отключить Telegram").click()
    page.wait_for_url("**/settings/platforms/")
    assert "отключён." in page.locator(".messages").inner_text()
    assert card(page, "telegram").get_attribute("data-status") == "revoked"
    assert card(page, "vk").get_attribute("data-status") == "active"

    statuses = dict(PlatformConnection.objects.filter(user=user).values_list("platform", "status"))
    assert statuses == {
        "vk": ConnectionStatus.ACTIVE,
        "rutube": ConnectionStatus.ACTIVE,
        "dzen": ConnectionStatus.ACTIVE,
        "telegram": ConnectionStatus.REVOKED,
    }
