"""The stats panel in Chromium: totals, a chart with axes that stays readable from a wide screen
to a 375 px phone, and the clip list's views column."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clipmaker.accounts.models import Plan
from publishing.models import PublicationStatus
from tests.factories import (
    ClipFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    StatsSnapshotFactory,
    StatsTrackFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}
WIDE = {"width": 1366, "height": 900}


def clip_with_history():
    user = UserFactory(plan=Plan.PRO)
    clip = ClipFactory(owner=user, title="Закат над Волгой")
    now = timezone.now()
    start = now - timedelta(days=2)
    for platform, rate, shares in (("vk", 40, 12), ("dzen", 15, 3), ("rutube", 25, 0)):
        conn = PlatformConnectionFactory(user=user, platform=platform)
        views = rate * 48
        pub = PublicationFactory(
            clip=clip,
            platform=platform,
            status=PublicationStatus.PUBLISHED,
            published_at=start,
            views=views,
            likes=views // 20,
            comments=views // 100,
            shares=shares,
            stats_updated_at=now,
        )
        StatsTrackFactory(publication=pub, connection=conn, published_at=start, checked_at=now)
        for hour in range(1, 49, 3):
            StatsSnapshotFactory(
                publication=pub, collected_at=start + timedelta(hours=hour), views=rate * hour
            )
    PublicationFactory(clip=clip, platform="telegram", status=PublicationStatus.PUBLISHED)
    return user, clip


@pytest.mark.parametrize(("viewport", "name"), [(WIDE, "clip-stats"), (PHONE, "clip-stats-phone")])
def test_the_stats_panel_reads_well_wide_and_on_a_phone(login_as, screenshot, viewport, name):
    from playwright.sync_api import expect

    user, clip = clip_with_history()
    page = login_as(user)
    page.set_viewport_size(viewport)

    page.goto(f"/clips/{clip.pk}/")

    panel = page.locator("#clip-stats")
    expect(panel.locator('dd[data-total="views"]')).to_have_text("3\u00a0840")
    chart = panel.locator("figure.stats-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(3)
    box = chart.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    # Axis labels are real text at a legible size, inside the chart, not squeezed by the SVG.
    for label in chart.locator(".stats-chart-y span, .stats-chart-x span").all():
        label_box = label.bounding_box()
        assert label_box is not None
        assert label_box["x"] >= box["x"] - 1
        assert label_box["x"] + label_box["width"] <= box["x"] + box["width"] + 1
        assert float(label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 12
    expect(chart.locator(".stats-chart-x span").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    panel.scroll_into_view_if_needed()
    screenshot(page, name)


def test_the_clip_list_shows_total_views(login_as):
    from playwright.sync_api import expect

    user, clip = clip_with_history()
    page = login_as(user)

    page.goto("/clips/")

    expect(page.locator(f'tr[data-clip-id="{clip.pk}"] [data-total-views]')).to_have_text(
        "3\u00a0840"
    )
