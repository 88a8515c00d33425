"""Browser: a Pro user connects VK and Дзен through the sandbox's approve pages, Telegram with a
bot token and channel, and Rutube with the test token the page issues; sees all four connected,
and disconnects one through the confirmation page."""

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

    # VK: OAuth through the sandbox's approve page.
    page.goto("/settings/platforms/")
    card(page, "vk").get_by_role("button", name="Подключить").click()
    page.wait_for_url("**/sandbox/vkid/authorize**")
    page.fill("#account_name", "Анна Клипова")
    page.get_by_role("button", name="Разрешить").click()
    page.wait_for_url("**/settings/platforms/")
    assert "VK подключён как Анна Клипова." in page.locator(".messages").inner_text()
    assert "Подключено как Анна Клипова" in card(page, "vk").inner_text()

    # Telegram: bot token and channel, verified by the (sandbox) Bot API.
    card(page, "telegram").get_by_role("link", name="Подключить").click()
    page.wait_for_url("**/settings/platforms/telegram/connect/")
    assert "@BotFather" in page.content()
    page.fill("input[name=token]", telegram["token"])
    page.fill("input[name=chat_id]", telegram["chat_id"])
    page.get_by_role("button", name="Проверить и подключить").click()
    page.wait_for_url("**/settings/platforms/")
    tg_card = card(page, "telegram").inner_text()
    assert f"Подключено как {telegram['chat']['title']}" in tg_card
    assert card(page, "vk").get_attribute("data-status") == "active"
    assert card(page, "telegram").get_attribute("data-status") == "active"
    assert telegram["token"] not in page.content()

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
    page.get_by_role("button", name="Подключить с этими данными").click()
    page.wait_for_url("**/settings/platforms/")
    assert "Rutube подключён" in page.locator(".messages").inner_text()
    for platform in ("vk", "rutube", "dzen", "telegram"):
        assert card(page, platform).get_attribute("data-status") == "active", platform
    screenshot(page, "settings-platforms")

    # Disconnect Telegram through the confirmation page.
    card(page, "telegram").get_by_role("link", name="Отключить").click()
    page.wait_for_url("**/settings/platforms/telegram/disconnect/")
    assert "Отключить Telegram?" in page.content()
    assert "ничего не отменится" in page.locator("[data-testid=pending-count]").inner_text()
    page.get_by_role("button", name="Да, отключить Telegram").click()
    page.wait_for_url("**/settings/platforms/")
    assert "Telegram отключён." in page.locator(".messages").inner_text()
    assert card(page, "telegram").get_attribute("data-status") == "revoked"
    assert card(page, "vk").get_attribute("data-status") == "active"

    statuses = dict(PlatformConnection.objects.filter(user=user).values_list("platform", "status"))
    assert statuses == {
        "vk": ConnectionStatus.ACTIVE,
        "rutube": ConnectionStatus.ACTIVE,
        "dzen": ConnectionStatus.ACTIVE,
        "telegram": ConnectionStatus.REVOKED,
    }
