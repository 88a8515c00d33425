"""Browser: the publish panel's per-platform text — counters and previews follow the typing
(htmx, no reload) and show exactly what each platform's adapter would send."""

from __future__ import annotations

import pytest

from clipmaker.accounts.models import Plan
from platforms.constants import Platform
from platforms.providers import platform_values, provider_class
from tests.factories import ClipFactory, PlatformConnectionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = ({"width": 1366, "height": 900}, {"width": 375, "height": 740})


@pytest.mark.parametrize("size", SIZES, ids=["1366", "375"])
def test_typing_updates_the_counters_and_previews_as_the_platforms_would_cut(page, login_as, size):
    user = UserFactory(plan=Plan.PRO)
    for platform in platform_values():
        PlatformConnectionFactory(user=user, platform=platform)
    clip = ClipFactory(owner=user, title="Закат", description="")
    page.set_viewport_size(size)
    login_as(user)
    page.goto(f"/clips/{clip.pk}/")

    title = "Очень длинный заголовок про закат над Волгой, " * 4  # 184 characters
    description = "🎬 кадр за кадром, " * 70
    page.fill("input[name=title]", title)
    page.fill("textarea[name=description]", description)
    page.locator('details[data-platform="telegram"] summary').click()
    page.fill("input[name=text_telegram_title]", "Для канала")

    rutube_title = (
        provider_class(Platform.RUTUBE).text_sent(title=title, description=description).title
    )
    caption = (
        provider_class(Platform.TELEGRAM)
        .text_sent(title="Для канала", description=description)
        .caption
    )
    preview = page.locator('[data-testid="preview-rutube"] [data-part="title"]')
    preview.filter(has_text=rutube_title.strip()).wait_for()
    assert preview.inner_text() == rutube_title.strip()
    telegram = page.locator('[data-testid="preview-telegram"] [data-part="caption"]')
    telegram.filter(has_text="Для канала").wait_for()  # the last keystrokes' preview
    shown = telegram.inner_text()
    assert shown.replace("\n\n", "\n") == caption.replace("\n\n", "\n")
    assert page.locator('[data-testid="cut-telegram"]').is_visible()
    counter = page.locator('[data-testid="counters-rutube"] [data-counter="title"]')
    assert counter.get_attribute("data-used") == str(len(title))
    assert "over" in (counter.get_attribute("class") or "")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"the clip page is {width} px wide"
