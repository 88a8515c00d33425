"""The clip pages in Chromium, end to end: the sandbox, a real Celery worker, the live server.

The demo user (Pro plan, six sandbox places: a VK page and a community, Rutube, Дзен and two
Telegram channels) publishes to all six in one click, schedules, cancels and retries from the
clip page and watches it update itself without reloading.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from clipmaker.accounts.models import Plan
from clipmaker.clips.demo import make_demo_video
from clipmaker.clips.services import clip_import_path
from platforms.constants import MB, Platform
from platforms.sandbox.demo import DEMO_ACCOUNT_NAME, connect_demo_user
from platforms.selectors import destinations_in_order
from publishing.models import Publication, PublicationStatus
from tests.factories import (
    ClipFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    StatsSnapshotFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.live]

ALL = [Platform.VK, Platform.RUTUBE, Platform.DZEN, Platform.TELEGRAM]
# Generous: four uploads plus the sandbox's processing delay on a busy machine.
PUBLISH_TIMEOUT_MS = 45_000


@pytest.fixture(scope="module")
def demo_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_video(tmp_path_factory.mktemp("video") / "demo.mp4", seconds=2)


@pytest.fixture
def demo_user(sandbox: Any) -> Any:
    """Connected as ``seed_demo`` connects the demo user: a VK page and a community, Rutube,
    Дзен and two Telegram channels of one bot — six places."""
    user = UserFactory(username="demo-browser", plan=Plan.PRO)
    assert connect_demo_user(user) == [str(p) for p in ALL]
    return user


@pytest.fixture
def demo_clip(demo_user: Any, demo_video: Path) -> Any:
    return clip_import_path(
        owner=demo_user,
        path=demo_video,
        title="Закат над Волгой",
        description="Клип из КлипМейкера #закат",
    )


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _row(page: Any, platform: str, status: str | None = None) -> Any:
    selector = f'#publications tr[data-platform="{platform}"]'
    if status:
        selector += f'[data-status="{status}"]'
    return page.locator(selector)


def _checkbox(page: Any, destination_id: int) -> Any:
    return page.locator(f'#publish-panel input[name=destinations][value="{destination_id}"]')


def _check(page: Any, *platforms: str) -> None:
    """Tick the first place of each platform (its account's own)."""
    for platform in platforms:
        group = page.locator(f'#publish-panel .platform-group[data-platform="{platform}"]')
        group.locator("input[name=destinations]").first.check()


def test_publish_to_six_places_in_one_click_and_watch_them_go_live(
    sandbox, publishing_worker, demo_user, demo_clip, login_as, screenshot
):
    expect = _expect()
    page = login_as(demo_user)
    page.goto("/clips/")
    expect(page.locator(f'tr[data-clip-id="{demo_clip.pk}"]')).to_contain_text(
        "ещё не публиковался"
    )

    page.click(f"text={demo_clip.title}")
    expect(page.locator("video")).to_have_attribute("src", f"/media/clips/{demo_clip.pk}/")
    expect(page.locator("input[name=title]")).to_have_value("Закат над Волгой")
    places = destinations_in_order(user=demo_user)
    assert [d.label for d in places] == [
        f"VK · Страница «{DEMO_ACCOUNT_NAME}»",
        "VK · Сообщество «Кухня за 10 минут»",
        f"Rutube · Канал «{DEMO_ACCOUNT_NAME}»",
        f"Дзен · Канал «{DEMO_ACCOUNT_NAME}»",
        "Telegram · Канал «Демо-канал»",
        "Telegram · Канал «Запасной канал»",
    ]
    panel = page.locator("#publish-panel").inner_text()
    assert "VK · Сообщество «Кухня за 10 минут»" in panel
    for place in places:
        _checkbox(page, place.pk).check()
    journal_before = max((r["id"] for r in sandbox.control.journal()), default=0)
    page.click("button[name=action][value=now]")  # one click, six places

    expect(page.locator(".msg.success")).to_contain_text("Публикация началась")
    url_before = page.url
    rows = page.locator("#publications tr[data-destination]")
    expect(rows).to_have_count(6)
    for place in places:
        badge = page.locator(f'#publications tr[data-destination="{place.pk}"] .badge')
        expect(badge).to_have_text("Опубликовано", timeout=PUBLISH_TIMEOUT_MS)
    assert page.url == url_before  # updated in place, no reload
    # Polling stops once nothing is in flight.
    expect(page.locator("#publications")).to_have_attribute("data-in-flight", "false")
    expect(page.locator("#publications")).not_to_have_attribute("hx-trigger", "every 1s")
    # ...and the checkboxes, disabled while the posts were in flight, are usable again.
    for place in places:
        expect(_checkbox(page, place.pk)).to_be_enabled()

    pubs = {p.destination_id: p for p in Publication.objects.filter(clip=demo_clip)}
    assert set(pubs) == {d.pk for d in places}
    links = set()
    for place in places:
        # History: one block per place, headed by its name, in the checkboxes' order.
        group = page.locator(f'#publications .pub-group[data-destination="{place.pk}"]')
        expect(group.locator(".pub-group-head")).to_contain_text(place.place_label)
        row = group.locator(f'tr[data-destination="{place.pk}"]')
        link = row.locator("a", has_text="Открыть пост")
        href = link.get_attribute("href")
        assert href == pubs[place.pk].platform_url
        assert href.startswith(f"{sandbox.url}/web/{place.platform}/")
        assert link.get_attribute("target") == "_blank"
        links.add(href)
        # the link works: it opens the platform's page of this very post
        with page.context.expect_page() as opened:
            link.click()
        post_page = opened.value
        post_page.wait_for_load_state()
        expect(post_page.locator("h1")).to_contain_text(demo_clip.title)
        post_page.close()
    assert len(links) == 6
    heads = page.locator("#publications .pub-group-head").all_inner_texts()
    assert heads == [place.label for place in places]
    # The «Публикация началась» banner went away once everything was published.
    expect(page.locator(".msg.publish-started")).to_have_count(0)
    # Each place holds the whole clip once, in the right place: the VK page and community
    # (owner = the user, and minus the group id), each Telegram channel (the chat).
    held = {p: sandbox.control.videos(p) for p in ("vk", "rutube", "dzen", "telegram")}
    assert [len(held[p]) for p in ("vk", "rutube", "dzen", "telegram")] == [2, 1, 1, 2]
    assert all(v["bytes"] == demo_clip.size_bytes for vs in held.values() for v in vs)
    vk_page, vk_group = places[0], places[1]
    assert sorted(v["owner_id"] for v in held["vk"]) == sorted(
        [int(vk_page.external_id), -int(vk_group.extra["group_id"])]
    )
    assert sorted(v["owner_id"] for v in held["telegram"]) == sorted(
        int(d.external_id) for d in places[4:]
    )
    # The journal shows each post sent once.
    sent = [r["method"] for r in sandbox.control.journal(since_id=journal_before)]
    # The VK page publishes a Клип, the demo community a video with a wall post.
    assert (sent.count("shortVideo.create"), sent.count("shortVideo.publish") >= 1) == (1, True)
    assert (sent.count("video.save"), sent.count("wall.post"), sent.count("sendVideo")) == (1, 1, 2)
    expect(_row(page, Platform.TELEGRAM).first).to_contain_text("Статистика недоступна")
    screenshot(page, "clip-page")

    page.goto("/clips/")
    badges = page.locator(f'tr[data-clip-id="{demo_clip.pk}"] .badge.published')
    expect(badges).to_have_count(6)
    screenshot(page, "clip-list")


def test_schedule_a_few_seconds_ahead_and_watch_it_publish(
    sandbox, publishing_worker, demo_user, demo_clip, login_as
):
    expect = _expect()
    page = login_as(demo_user)
    page.goto(f"/clips/{demo_clip.pk}/")
    when = timezone.localtime(timezone.now() + timedelta(seconds=4)).replace(microsecond=0)

    _check(page, Platform.VK)
    page.fill("input[name=scheduled_at]", when.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("button[name=action][value=schedule]")

    expect(page.locator(".msg.success")).to_contain_text(
        f"Запланировано на {when:%d.%m.%Y %H:%M} (Europe/Moscow)"
    )
    row = _row(page, Platform.VK)
    expect(row.locator(".badge")).to_contain_text("Запланировано на")
    expect(row).to_contain_text(f"{when:%d.%m.%Y %H:%M}")
    expect(row.locator(".badge")).to_have_text("Опубликовано", timeout=PUBLISH_TIMEOUT_MS)
    published = Publication.objects.get(clip=demo_clip, platform=Platform.VK)
    assert published.published_at >= when


def test_schedule_and_cancel(sandbox, publishing_worker, demo_user, demo_clip, login_as):
    expect = _expect()
    page = login_as(demo_user)
    page.goto(f"/clips/{demo_clip.pk}/")
    when = timezone.localtime(timezone.now() + timedelta(hours=2))

    _check(page, Platform.RUTUBE)
    page.fill("input[name=scheduled_at]", when.strftime("%Y-%m-%dT%H:%M"))
    page.click("button[name=action][value=schedule]")
    row = _row(page, Platform.RUTUBE)
    expect(row.locator(".badge")).to_contain_text("Запланировано на")

    page.once("dialog", lambda dialog: dialog.accept())  # «Отменить публикацию …?»
    row.locator("button", has_text="Отменить").click()

    expect(page.locator(".undo-bar")).to_contain_text("отменена")
    expect(_row(page, Platform.RUTUBE).locator(".badge")).to_have_text("Отменено")
    assert (
        Publication.objects.get(clip=demo_clip, platform=Platform.RUTUBE).status
        == PublicationStatus.CANCELLED
    )
    assert sandbox.control.videos(Platform.RUTUBE) == []


def test_failure_shows_its_message_and_retry_publishes(
    sandbox, publishing_worker, demo_user, demo_clip, login_as
):
    expect = _expect()
    sandbox.control.inject(
        "dzen", "http_error", count=1, status=400, message="Видео не прошло проверку"
    )
    page = login_as(demo_user)
    page.goto(f"/clips/{demo_clip.pk}/")

    _check(page, Platform.DZEN)
    page.click("button[name=action][value=now]")

    row = _row(page, Platform.DZEN)
    expect(row.locator(".badge")).to_have_text("Ошибка", timeout=PUBLISH_TIMEOUT_MS)
    failed = Publication.objects.get(clip=demo_clip, platform=Platform.DZEN)
    assert failed.error_message
    expect(row.locator("p.error")).to_have_text(failed.error_message)

    row.locator("button", has_text="Повторить").click()

    expect(page.locator(".msg.success")).to_contain_text("снова в очереди")
    expect(_row(page, Platform.DZEN).locator(".badge")).to_have_text(
        "Опубликовано", timeout=PUBLISH_TIMEOUT_MS
    )
    expect(_row(page, Platform.DZEN).locator("a", has_text="Открыть пост")).to_be_visible()
    expect(_row(page, Platform.DZEN).locator("p.error")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_telegram_is_disabled_for_a_clip_above_50_mb(login_as):
    expect = _expect()
    user = UserFactory(plan=Plan.PRO)
    for platform in ALL:
        PlatformConnectionFactory(user=user, platform=platform)
    big = ClipFactory(owner=user, title="Длинный клип", size_bytes=60 * MB)
    page = login_as(user)

    page.goto(f"/clips/{big.pk}/")

    def group(platform: str) -> Any:
        return page.locator(f'#publish-panel .platform-group[data-platform="{platform}"]')

    expect(group("telegram").locator("input[name=destinations]")).to_be_disabled()
    expect(group("telegram")).to_contain_text("Файл слишком большой для Telegram (максимум 50 МБ)")
    for platform in (Platform.VK, Platform.RUTUBE, Platform.DZEN):
        expect(group(platform).locator("input[name=destinations]")).to_be_enabled()


@pytest.mark.django_db(transaction=True)
def test_upload_shows_progress_and_opens_the_clip_page(login_as, demo_video):
    expect = _expect()
    user = UserFactory(plan=Plan.PRO)
    page = login_as(user)
    page.goto("/clips/")

    page.set_input_files("input[name=file]", str(demo_video))
    page.fill("input[name=title]", "Загружено из браузера")
    page.click("#upload button[type=submit]")

    expect(page.locator("h1")).to_have_text("Загружено из браузера")
    clip = user.clips.get()
    assert page.url.endswith(f"/clips/{clip.pk}/")
    assert clip.size_bytes == demo_video.stat().st_size


@pytest.mark.django_db(transaction=True)
def test_upload_of_a_wrong_format_shows_the_reason_in_place(login_as, tmp_path):
    expect = _expect()
    user = UserFactory(plan=Plan.PRO)
    bad = tmp_path / "clip.avi"
    bad.write_bytes(b"RIFF....AVI not really")
    page = login_as(user)
    page.goto("/clips/")

    page.set_input_files("input[name=file]", str(bad))
    page.click("#upload button[type=submit]")

    expect(page.locator("[data-upload-errors]")).to_contain_text("MP4 и MOV")
    assert page.url.endswith("/clips/")
    assert not user.clips.exists()


@pytest.mark.django_db(transaction=True)
def test_clip_list_updates_its_badges_while_publishing(login_as):
    expect = _expect()
    user = UserFactory(plan=Plan.PRO)
    clip = ClipFactory(owner=user, title="Клип в очереди")
    pub = PublicationFactory(clip=clip, platform=Platform.RUTUBE, status=PublicationStatus.QUEUED)
    page = login_as(user)
    page.goto("/clips/")
    badge = page.locator(f'tr[data-clip-id="{clip.pk}"] .badge[data-platform="rutube"]')
    name = pub.destination.display_name
    expect(badge).to_have_text(f"Rutube · {name} · В очереди")

    Publication.objects.filter(pk=pub.pk).update(status=PublicationStatus.PUBLISHED)

    expect(badge).to_have_text(f"Rutube · {name} · Опубликовано", timeout=10_000)
    expect(page.locator("#clip-table")).to_have_attribute("data-in-flight", "false")
    expect(page.locator("#clip-table")).not_to_have_attribute("hx-trigger", "every 2s")


@pytest.mark.django_db(transaction=True)
def test_clip_page_draws_the_views_sparkline(login_as, screenshot):
    expect = _expect()
    user = UserFactory(plan=Plan.PRO)
    clip = ClipFactory(owner=user, title="Клип со статистикой")
    pub = PublicationFactory(
        clip=clip,
        platform=Platform.VK,
        status=PublicationStatus.PUBLISHED,
        views=480,
        stats_updated_at=timezone.now(),
    )
    start = timezone.now() - timedelta(days=3)
    for offset, views in ((0, 120), (1, 200), (3, 480)):
        StatsSnapshotFactory(
            publication=pub, collected_at=start + timedelta(days=offset), views=views
        )
    page = login_as(user)

    page.goto(f"/clips/{clip.pk}/")

    chart = _row(page, Platform.VK).locator("svg.sparkline")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("aria-label", "Просмотры: 120 → 480 за 3 дня")
    assert chart.bounding_box()["width"] == 120
    screenshot(page, "clip-page-sparkline")
