"""Browser: move a scheduled publication on the calendar (drag and drop on a laptop, the form
from «Очередь» on a phone) and cancel one with «Вернуть», at 1366 px and 375 px."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from clipmaker.accounts.models import Plan
from publishing.models import Publication, PublicationStatus
from tests.factories import ClipFactory, PlatformConnectionFactory, PublicationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOSCOW = ZoneInfo("Europe/Moscow")
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 740}


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _planned(user: Any, *, title: str = "Закат над Волгой") -> Publication:
    PlatformConnectionFactory(user=user, platform="vk", account_name="Анна")
    clip = ClipFactory(owner=user, title=title)
    when = (timezone.localtime(timezone.now(), MOSCOW) + timedelta(days=2)).replace(
        hour=10, minute=30, second=0, microsecond=0
    )
    return PublicationFactory(
        clip=clip, platform="vk", status=PublicationStatus.SCHEDULED, scheduled_at=when
    )


def _fits(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width}"


def test_drag_a_scheduled_publication_to_another_day(page, login_as, screenshot):
    expect = _expect()
    user = UserFactory(plan=Plan.PRO)
    pub = _planned(user)
    when = timezone.localtime(pub.scheduled_at, MOSCOW)
    # The day after, or the day before when it falls on a Sunday (same week either way).
    target = when + timedelta(days=-1 if when.weekday() == 6 else 1)
    page.set_viewport_size(LAPTOP)
    login_as(user)

    page.goto(f"/calendar/?date={when.date().isoformat()}")
    entry = page.locator(f'.cal-entry[data-publication-id="{pub.pk}"]')
    expect(page.locator(f'.cal-day[data-date="{when.date().isoformat()}"]')).to_contain_text(
        "Закат над Волгой"
    )
    expect(entry).to_contain_text("10:30")
    _fits(page, LAPTOP["width"])
    screenshot(page, "calendar-week-1366")

    entry.drag_to(page.locator(f'.cal-day[data-date="{target.date().isoformat()}"]'))

    day = page.locator(f'.cal-day[data-date="{target.date().isoformat()}"]')
    expect(day.locator(f'.cal-entry[data-publication-id="{pub.pk}"]')).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("перенесена на")
    pub.refresh_from_db()
    assert timezone.localtime(pub.scheduled_at, MOSCOW) == target

    # Into the past: refused with the reason, nothing moves. (The month around the new day
    # shows a day before today on all but a few dates of the year, when its grid starts today.)
    today = timezone.localdate(timezone.now(), MOSCOW)
    page.goto(f"/calendar/?date={target.date().isoformat()}&view=month")
    past = [
        d
        for d in page.locator(".cal-day[data-date]").evaluate_all(
            "els => els.map(e => e.dataset.date)"
        )
        if d < today.isoformat()
    ]
    if past:
        page.locator(f'.cal-entry[data-publication-id="{pub.pk}"]').drag_to(
            page.locator(f'.cal-day[data-date="{past[-1]}"]')
        )
        expect(page.locator("[data-cal-status]")).to_contain_text("уже прошло")
        # ...and the entry goes back to its day.
        expect(
            page.locator(
                f'.cal-day[data-date="{target.date().isoformat()}"] '
                f'.cal-entry[data-publication-id="{pub.pk}"]'
            )
        ).to_be_visible()
        pub.refresh_from_db()
        assert timezone.localtime(pub.scheduled_at, MOSCOW) == target
    screenshot(page, "calendar-month-1366")


def test_on_a_phone_the_queue_opens_and_the_form_moves_it(page, login_as, screenshot):
    expect = _expect()
    user = UserFactory(plan=Plan.PRO)
    pub = _planned(user, title="Очень длинное название клипа про закат над Волгой и рассвет")
    page.set_viewport_size(PHONE)
    login_as(user)

    page.goto("/calendar/")

    expect(page.locator('[data-view="list"]')).to_be_visible()
    expect(page.get_by_role("link", name="Очередь")).to_have_attribute("aria-current", "page")
    entry = page.locator(f'.cal-entry[data-publication-id="{pub.pk}"]')
    expect(entry).to_contain_text("Запланировано на")
    _fits(page, PHONE["width"])
    screenshot(page, "calendar-queue-375")

    entry.get_by_role("link", name="Перенести").click()
    new = (timezone.localtime(timezone.now(), MOSCOW) + timedelta(days=5)).replace(
        hour=18, minute=15, second=0, microsecond=0
    )
    page.fill("input[name=scheduled_at]", f"{new:%Y-%m-%dT%H:%M}")
    _fits(page, PHONE["width"])
    page.get_by_role("button", name="Перенести").click()

    expect(page.locator(".messages")).to_contain_text("перенесена на")
    expect(page.locator('[data-view="list"]')).to_be_visible()
    pub.refresh_from_db()
    assert pub.scheduled_at == new
    # The week fits a phone too.
    page.goto(f"/calendar/?view=week&date={new.date().isoformat()}")
    expect(page.locator(f'.cal-entry[data-publication-id="{pub.pk}"]')).to_be_visible()
    _fits(page, PHONE["width"])


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["1366", "375"])
def test_cancel_asks_and_can_be_taken_back(page, login_as, screenshot, size):
    expect = _expect()
    user = UserFactory(plan=Plan.PRO)
    pub = _planned(user)
    page.set_viewport_size(size)
    login_as(user)
    page.goto(f"/clips/{pub.clip_id}/")
    row = page.locator(f'#publications tr[data-publication-id="{pub.pk}"]')
    expect(row).to_have_attribute("data-status", "scheduled")
    _fits(page, size["width"])

    # Saying no to the question changes nothing.
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Отменить").click()
    page.wait_for_timeout(300)
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.SCHEDULED

    questions: list[str] = []

    def accept(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    row.get_by_role("button", name="Отменить").click()

    expect(row).to_have_attribute("data-status", "cancelled")
    assert questions and "Отменить публикацию «Закат над Волгой»" in questions[0]
    undo = page.locator(".undo-bar")
    expect(undo).to_contain_text("отменена")
    _fits(page, size["width"])
    screenshot(page, f"cancel-undo-{size['width']}")

    undo.get_by_role("button", name="Вернуть").click()

    expect(row).to_have_attribute("data-status", "scheduled")
    expect(page.locator(".messages")).to_contain_text("возвращена")
    expect(undo).to_have_count(0)
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.SCHEDULED

    if size is PHONE:
        return
    # Left alone, the offer goes away after its seconds and the cancel stays.
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Отменить").click()
    expect(page.locator(".undo-bar")).to_be_visible()
    expect(page.locator(".undo-bar")).to_have_count(0, timeout=15_000)
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.CANCELLED
