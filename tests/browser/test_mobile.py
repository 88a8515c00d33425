"""Browser: on a phone-sized screen (375 px) no page is wider than the screen and the menu,
logout included, opens on it."""

from __future__ import annotations

import pytest

from clipmaker.accounts.models import Plan
from publishing.models import PublicationStatus
from tests.factories import ClipFactory, PlatformConnectionFactory, PublicationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_pages_fit_a_phone_screen(page, login_as):
    user = UserFactory(plan=Plan.PRO)
    PlatformConnectionFactory(user=user, platform="vk", account_name="Анна")
    clip = ClipFactory(owner=user, title="Очень длинное название клипа про закат над Волгой")
    for platform, status in (
        ("vk", PublicationStatus.PUBLISHED),
        ("dzen", PublicationStatus.FAILED),
    ):
        PublicationFactory(
            clip=clip,
            platform=platform,
            status=status,
            platform_url="https://vk.com/clip1_2",
            error_message="Дзен временно недоступен (ошибка 503). Повторите позже, пожалуйста.",
        )
    page.set_viewport_size(PHONE)
    login_as(user)

    for url in ("/clips/", f"/clips/{clip.pk}/", "/settings/platforms/"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{url} is {width} px wide"
        # The menu is collapsed behind «Меню» on a phone.
        page.get_by_role("button", name="Меню").click()
        logout = page.get_by_role("button", name="Выйти").or_(
            page.get_by_role("link", name="Выйти")
        )
        box = logout.first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"], url


def test_the_staff_overview_fits_a_phone_and_a_laptop(page, login_as, screenshot):
    staff = UserFactory(plan=Plan.PRO, is_staff=True)
    clip = ClipFactory(owner=staff, title="Клип с длинным названием для проверки ширины таблицы")
    PublicationFactory(
        clip=clip,
        platform="dzen",
        status=PublicationStatus.FAILED,
        error_message="Дзен временно недоступен (ошибка 503). Повторите позже, пожалуйста.",
    )
    login_as(staff)

    for size, name in (({"width": 1366, "height": 900}, "staff-1366"), (PHONE, "staff-375")):
        page.set_viewport_size(size)
        page.goto("/staff/")
        assert page.get_by_role("heading", name="Обзор сервиса").is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"/staff/ is {width} px wide at {size['width']}"
        screenshot(page, name)
