"""The clip page: preview, publish panel, publications table, cancel/retry, polling."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms.constants import MB, Platform
from platforms.models import Destination
from platforms.providers import platform_values
from publishing.models import Publication, PublicationStatus
from publishing.selectors import CHART_SNAPSHOTS
from tests.factories import ClipFactory, PublicationFactory, StatsSnapshotFactory, UserFactory

pytestmark = pytest.mark.django_db


def _option(body: str, platform: str) -> str:
    """The HTML of one platform's group of places in the publish panel."""
    start = body.index(f'class="platform-group" data-platform="{platform}"')
    end = body.find('class="platform-group"', start + 10)
    return body[start : end if end != -1 else body.index("</fieldset>", start)]


def _places(user: object, *platforms: str) -> list[int]:
    """The ids of the user's destinations on these platforms (one each here)."""
    return [
        Destination.objects.live().get(connection__user=user, connection__platform=p).pk
        for p in platforms
    ]


def _row(body: str, publication: Publication) -> str:
    start = body.index(f'data-publication-id="{publication.pk}"')
    return body[start : body.index("</tr>", start)]


# --- preview and panel ---------------------------------------------------------------------


def test_page_shows_preview_and_prefilled_title_and_description(client_in, clip, connected):
    body = client_in.get(f"/clips/{clip.pk}/").content.decode()

    assert f'<video controls preload="metadata" src="/media/clips/{clip.pk}/">' in body
    assert 'name="title" maxlength="255" value="Мой клип"' in body
    assert ">Описание клипа</textarea>" in body
    assert "Опубликовать</button>" in body
    assert "Запланировать</button>" in body


def test_every_platform_is_enabled_when_connected_allowed_and_small(client_in, clip, connected):
    body = client_in.get(f"/clips/{clip.pk}/").content.decode()
    for platform in platform_values():
        assert " disabled" not in _option(body, platform), platform


def test_platform_without_connection_is_disabled_with_reason(client_in, clip, connected):
    connected[Platform.RUTUBE].delete()

    option = _option(client_in.get(f"/clips/{clip.pk}/").content.decode(), Platform.RUTUBE)

    assert 'type="checkbox" disabled' in option
    assert "Подключите Rutube в настройках." in option
    # The fix is one click away: Rutube connects with a pasted token.
    assert '<a href="/settings/platforms/rutube/connect/"' in option
    assert "Подключить Rutube →" in option


def test_platform_outside_the_plan_is_disabled_with_reason(client, clip, connected, user):
    user.plan = Plan.START
    user.save()
    client.force_login(user)

    body = client.get(f"/clips/{clip.pk}/").content.decode()

    assert " disabled" not in _option(body, Platform.VK)
    for platform in (Platform.RUTUBE, Platform.DZEN, Platform.TELEGRAM):
        option = _option(body, platform)
        assert " disabled" in option
        assert "тариф" in option.lower()


def test_telegram_is_disabled_for_a_clip_above_50_mb_naming_the_limit(client_in, user, connected):
    big = ClipFactory(owner=user, size_bytes=60 * MB)

    body = client_in.get(f"/clips/{big.pk}/").content.decode()

    option = _option(body, Platform.TELEGRAM)
    assert " disabled" in option
    assert "Файл слишком большой для Telegram (максимум 50 МБ)" in option
    assert " disabled" not in _option(body, Platform.VK)


def test_time_zone_of_the_form_is_shown(client_in, clip, connected, user):
    body = client_in.get(f"/clips/{clip.pk}/").content.decode()
    assert "Europe/Moscow, UTC+03:00" in body


# --- publishing through the form -----------------------------------------------------------


def test_publish_now_creates_queued_publications_and_reports_them(client_in, clip, connected):
    response = client_in.post(
        f"/clips/{clip.pk}/publish/",
        {
            "destinations": _places(clip.owner, "vk", "telegram"),
            "title": "Новый заголовок",
            "description": "Новое",
            "action": "now",
        },
        follow=True,
    )

    pubs = {p.platform: p for p in Publication.objects.filter(clip=clip)}
    assert set(pubs) == {"vk", "telegram"}
    assert all(p.status == PublicationStatus.QUEUED for p in pubs.values())
    assert pubs["vk"].title == "Новый заголовок"
    assert pubs["vk"].description == "Новое"
    assert response.redirect_chain == [(f"/clips/{clip.pk}/", 302)]
    vk, telegram = (pubs["vk"].destination, pubs["telegram"].destination)
    assert f"Публикация началась: {vk.label}, {telegram.label}" in response.content.decode()
    assert vk.label.startswith("VK · Страница «")


def test_schedule_reads_the_time_in_the_users_zone(client, clip, connected, user):
    user.time_zone = "Asia/Yekaterinburg"  # UTC+5
    user.save()
    client.force_login(user)
    local = (
        (timezone.now() + timedelta(days=2))
        .astimezone(timezone.get_fixed_timezone(5 * 60))
        .replace(second=0, microsecond=0)
    )

    response = client.post(
        f"/clips/{clip.pk}/publish/",
        {
            "destinations": _places(clip.owner, "rutube"),
            "title": "Мой клип",
            "action": "schedule",
            "scheduled_at": local.strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )

    pub = Publication.objects.get(clip=clip)
    assert pub.status == PublicationStatus.SCHEDULED
    assert pub.scheduled_at == local
    body = response.content.decode()
    assert f"Запланировано на {local:%d.%m.%Y %H:%M} (Asia/Yekaterinburg)" in body
    assert f"{local:%d.%m.%Y %H:%M}" in _row(body, pub)
    assert "Asia/Yekaterinburg, UTC+05:00" in body


def test_schedule_without_a_time_asks_for_one(client_in, clip, connected):
    response = client_in.post(
        f"/clips/{clip.pk}/publish/",
        {"destinations": _places(clip.owner, "vk"), "action": "schedule"},
    )
    assert response.status_code == 400
    assert "Укажите дату и время публикации." in response.content.decode()
    assert not Publication.objects.exists()


def test_schedule_in_the_past_is_refused(client_in, clip, connected):
    past = timezone.localtime(timezone.now() - timedelta(hours=1))
    response = client_in.post(
        f"/clips/{clip.pk}/publish/",
        {
            "destinations": _places(clip.owner, "vk"),
            "action": "schedule",
            "scheduled_at": past.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert "Это время уже прошло" in response.content.decode()
    assert not Publication.objects.exists()


def test_publish_without_platforms_asks_to_choose(client_in, clip, connected):
    response = client_in.post(f"/clips/{clip.pk}/publish/", {"action": "now"})
    assert response.status_code == 400
    assert "Выберите хотя бы одно место публикации." in response.content.decode()


def test_publish_shows_errors_per_platform_and_creates_nothing(client_in, user, connected):
    big = ClipFactory(owner=user, size_bytes=60 * MB)

    response = client_in.post(
        f"/clips/{big.pk}/publish/",
        {"destinations": _places(user, "vk", "telegram"), "action": "now"},
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Файл слишком большой для Telegram (максимум 50 МБ)" in _option(body, "telegram")
    assert not Publication.objects.exists()
    # the choice survives the error
    assert f'value="{_places(user, "vk")[0]}" checked' in _option(body, "vk")


def test_publishing_twice_to_the_same_platform_is_a_conflict(client_in, clip, connected):
    PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.QUEUED)

    response = client_in.post(
        f"/clips/{clip.pk}/publish/", {"destinations": _places(clip.owner, "vk"), "action": "now"}
    )

    assert response.status_code in (400, 409)
    assert Publication.objects.filter(clip=clip).count() == 1
    assert 'class="errorlist"' in response.content.decode()


def test_publish_requires_post(client_in, clip):
    assert client_in.get(f"/clips/{clip.pk}/publish/").status_code == 405


def test_publish_form_is_refused_without_csrf_token(user, clip, connected):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        f"/clips/{clip.pk}/publish/", {"destinations": _places(clip.owner, "vk"), "action": "now"}
    )
    assert response.status_code == 403
    assert not Publication.objects.exists()


# --- the publications table ----------------------------------------------------------------


def test_statuses_read_in_russian(client_in, clip):
    rows = {
        "scheduled": PublicationFactory(
            clip=clip,
            platform="vk",
            status="scheduled",
            scheduled_at=timezone.now() + timedelta(days=1),
        ),
        "published": PublicationFactory(
            clip=clip,
            platform="rutube",
            status="published",
            platform_url="https://rutube.ru/video/abc/",
        ),
        "failed": PublicationFactory(
            clip=clip,
            platform="dzen",
            status="failed",
            error_message="Токен истёк, переподключите платформу",
        ),
        "cancelled": PublicationFactory(clip=clip, platform="telegram", status="cancelled"),
    }

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()

    when = timezone.localtime(rows["scheduled"].scheduled_at, ZoneInfo("Europe/Moscow"))
    assert f">Запланировано на {when:%d.%m %H:%M}<" in _row(body, rows["scheduled"])
    assert ">Опубликовано<" in _row(body, rows["published"])
    assert 'href="https://rutube.ru/video/abc/"' in _row(body, rows["published"])
    assert ">Ошибка<" in _row(body, rows["failed"])
    assert "Токен истёк, переподключите платформу" in _row(body, rows["failed"])
    assert ">Отменено<" in _row(body, rows["cancelled"])


def test_publishing_shows_percent_sent(client_in, clip):
    pub = PublicationFactory(
        clip=clip,
        status=PublicationStatus.PUBLISHING,
        claim_token=uuid.uuid4(),  # a worker holds it: the upload is running
        bytes_sent=37,
        bytes_total=100,
        attempts=1,
    )
    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)
    assert "Публикуется 37 %" in row
    assert 'style="width:37%"' in row


def test_a_clip_the_platform_is_processing_says_so_instead_of_100_percent(client_in, clip):
    pub = PublicationFactory(
        clip=clip,
        platform="rutube",
        status=PublicationStatus.PUBLISHING,
        claim_token=None,
        platform_handle={"id": "abc", "data": {"video_id": "abc"}},
        bytes_sent=100,
        bytes_total=100,
        attempts=1,
    )
    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)
    assert "Обрабатывается в Rutube" in row
    assert "100 %" not in row


def test_queued_waiting_for_a_retry_shows_time_and_attempt(client_in, clip, settings):
    settings.PUBLISH_RETRY_DELAYS = [300, 900, 3600]
    retry_at = datetime(2030, 5, 1, 9, 35, tzinfo=UTC)  # 12:35 in Moscow
    pub = PublicationFactory(
        clip=clip,
        status=PublicationStatus.QUEUED,
        attempts=1,
        next_attempt_at=retry_at,
        error_message="Платформа временно недоступна",
    )

    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)

    assert "Повтор в 01.05 12:35 (попытка 2 из 4)" in row


def test_retry_today_shows_only_the_time(client_in, clip):
    retry_at = timezone.now() + timedelta(minutes=1)
    pub = PublicationFactory(
        clip=clip, status=PublicationStatus.QUEUED, attempts=2, next_attempt_at=retry_at
    )
    local = timezone.localtime(retry_at)
    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)
    if local.date() == timezone.localdate():
        assert f"Повтор в {local:%H:%M} (попытка 3 из 4)" in row
    else:  # the minute crossed midnight
        assert f"Повтор в {local:%d.%m %H:%M} (попытка 3 из 4)" in row


def test_times_show_in_the_users_zone(client, user, clip):
    user.time_zone = "Asia/Vladivostok"  # UTC+10
    user.save()
    client.force_login(user)
    pub = PublicationFactory(
        clip=clip,
        status=PublicationStatus.PUBLISHED,
        published_at=datetime(2030, 1, 10, 20, 15, tzinfo=UTC),
        scheduled_at=datetime(2030, 1, 10, 20, 0, tzinfo=UTC),
    )

    row = _row(client.get(f"/clips/{clip.pk}/").content.decode(), pub)

    assert "11.01.2030 06:15" in row
    assert "11.01.2030 06:00" in row


def test_stats_shown_when_present(client_in, clip):
    pub = PublicationFactory(
        clip=clip,
        platform="vk",
        status="published",
        views=1200,
        likes=34,
        comments=5,
        shares=2,
        stats_updated_at=timezone.now(),
    )
    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)
    assert "Просмотры 1200 · лайки 34 · комментарии 5 · репосты 2" in row


def test_telegram_says_stats_are_unavailable(client_in, clip):
    pub = PublicationFactory(clip=clip, platform="telegram", status="published")
    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)
    assert "Статистика недоступна" in row


def _published_with_views(clip, platform: str, history: list[tuple[datetime, int]]):
    pub = PublicationFactory(
        clip=clip,
        platform=platform,
        status=PublicationStatus.PUBLISHED,
        views=max(history)[1] if history else 0,  # the latest figures
        stats_updated_at=timezone.now(),
    )
    for collected_at, views in history:
        StatsSnapshotFactory(publication=pub, collected_at=collected_at, views=views)
    return pub


T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


def test_views_sparkline_is_drawn_from_the_snapshot_history(client_in, clip):
    # Written out of order: the chart follows collected_at, not insertion.
    pub = _published_with_views(
        clip,
        "vk",
        [(T0 + timedelta(days=3), 480), (T0, 120), (T0 + timedelta(days=1), 200)],
    )

    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)

    # x follows time over 116 px, y the views over 24 px (the highest at the top), 2 px inset.
    assert '<polyline points="2,26 40.7,20.7 118,2"' in row
    assert 'role="img" aria-label="Просмотры: 120 → 480 за 3 дня"' in row
    assert "<title>Просмотры: 120 → 480 за 3 дня</title>" in row
    assert "Просмотры 480 · лайки" in row  # next to the current figures


def test_views_sparkline_needs_at_least_two_snapshots(client_in, clip):
    pub = _published_with_views(clip, "rutube", [(T0, 120)])

    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)

    assert "<svg" not in row
    assert "Просмотры 120 · лайки" in row


def test_telegram_has_no_sparkline_and_says_stats_are_unavailable(client_in, clip):
    pub = _published_with_views(clip, "telegram", [(T0, 10), (T0 + timedelta(hours=6), 20)])

    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)

    assert "<svg" not in row
    assert "Статистика недоступна" in row


def test_each_publication_gets_its_own_sparkline(client_in, clip):
    vk = _published_with_views(clip, "vk", [(T0, 5), (T0 + timedelta(hours=6), 50)])
    dzen = _published_with_views(clip, "dzen", [(T0, 7), (T0 + timedelta(hours=21), 70)])

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()

    assert "<title>Просмотры: 5 → 50 за 6 часов</title>" in _row(body, vk)
    assert "<title>Просмотры: 7 → 70 за 21 час</title>" in _row(body, dzen)


def test_sparkline_draws_only_the_latest_snapshots(client_in, clip):
    history = [(T0 + timedelta(hours=6 * i), 100 + i) for i in range(CHART_SNAPSHOTS + 2)]
    pub = _published_with_views(clip, "vk", history)

    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)

    points = row.split('<polyline points="')[1].split('"')[0].split()
    assert len(points) == CHART_SNAPSHOTS
    assert f"Просмотры: 102 → {100 + CHART_SNAPSHOTS + 1} за 15 дней" in row


def test_polled_partial_keeps_the_sparkline(client_in, clip):
    pub = _published_with_views(clip, "vk", [(T0, 1), (T0 + timedelta(days=1), 2)])
    PublicationFactory(clip=clip, platform="dzen", status=PublicationStatus.PUBLISHING)

    text = client_in.get(f"/clips/{clip.pk}/publications/").content.decode()

    assert 'hx-trigger="every 1s"' in text
    assert "<title>Просмотры: 1 → 2 за 1 день</title>" in _row(text, pub)


# --- cancel and retry ----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["scheduled", "queued"])
def test_cancel_button_cancels_a_waiting_publication(client_in, clip, status):
    pub = PublicationFactory(
        clip=clip, status=status, scheduled_at=timezone.now() + timedelta(hours=1)
    )
    assert "Отменить</button>" in _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)

    response = client_in.post(f"/clips/publications/{pub.pk}/cancel/", follow=True)

    pub.refresh_from_db()
    assert pub.status == PublicationStatus.CANCELLED
    assert response.redirect_chain[-1][0] == f"/clips/{clip.pk}/"
    assert "отменена" in response.content.decode()


def test_cancel_during_an_upload_says_it_is_only_requested(client_in, clip):
    pub = PublicationFactory(
        clip=clip,
        status=PublicationStatus.PUBLISHING,
        claim_token=uuid.uuid4(),
        bytes_sent=40,
        bytes_total=100,
        attempts=1,
    )

    response = client_in.post(f"/clips/publications/{pub.pk}/cancel/", follow=True)

    pub.refresh_from_db()
    body = response.content.decode()
    assert pub.status == PublicationStatus.PUBLISHING
    assert pub.cancel_requested_at is not None
    assert "будет отменена, как только загрузка прервётся или закончится" in body
    assert "Публикация в VK отменена." not in body
    row = _row(body, pub)
    assert "Публикуется 40 % (отмена запрошена)" in row
    assert "Отменить</button>" not in row


def test_retry_button_requeues_a_failed_publication(client_in, clip):
    pub = PublicationFactory(
        clip=clip, status=PublicationStatus.FAILED, error_message="Ошибка сети"
    )
    assert "Повторить</button>" in _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)

    response = client_in.post(f"/clips/publications/{pub.pk}/retry/", follow=True)

    pub.refresh_from_db()
    assert pub.status == PublicationStatus.QUEUED
    assert "снова в очереди" in response.content.decode()


def test_no_buttons_on_a_published_publication(client_in, clip):
    pub = PublicationFactory(clip=clip, status=PublicationStatus.PUBLISHED)
    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)
    assert "Отменить" not in row
    assert "Повторить" not in row


def test_retry_refused_by_the_service_is_a_message_not_a_crash(client_in, clip):
    pub = PublicationFactory(clip=clip, status=PublicationStatus.PUBLISHED)

    response = client_in.post(f"/clips/publications/{pub.pk}/retry/", follow=True)

    pub.refresh_from_db()
    assert pub.status == PublicationStatus.PUBLISHED
    assert 'class="msg error"' in response.content.decode()


def test_cancel_refused_by_the_service_is_a_message(client_in, clip):
    pub = PublicationFactory(clip=clip, status=PublicationStatus.FAILED)

    response = client_in.post(f"/clips/publications/{pub.pk}/cancel/", follow=True)

    pub.refresh_from_db()
    assert pub.status == PublicationStatus.FAILED
    assert 'class="msg error"' in response.content.decode()


def test_cancel_and_retry_require_post(client_in, clip):
    pub = PublicationFactory(clip=clip, status=PublicationStatus.FAILED)
    assert client_in.get(f"/clips/publications/{pub.pk}/retry/").status_code == 405
    assert client_in.get(f"/clips/publications/{pub.pk}/cancel/").status_code == 405


# --- live updates --------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["scheduled", "queued", "publishing"])
def test_page_polls_while_anything_is_in_flight(client_in, clip, status):
    PublicationFactory(clip=clip, status=status)
    body = client_in.get(f"/clips/{clip.pk}/").content.decode()
    assert f'hx-get="/clips/{clip.pk}/publications/?busy=' in body
    assert 'hx-trigger="every 1s"' in body


def test_page_does_not_poll_when_everything_is_final(client_in, clip):
    PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHED)
    PublicationFactory(clip=clip, platform="dzen", status=PublicationStatus.FAILED)
    PublicationFactory(clip=clip, platform="rutube", status=PublicationStatus.CANCELLED)
    body = client_in.get(f"/clips/{clip.pk}/").content.decode()
    # Only the stats panel refreshes itself (every 30 s, see tests/stats/test_pages.py).
    assert f'hx-get="/clips/{clip.pk}/publications/' not in body
    assert 'hx-trigger="every 1s"' not in body
    assert 'id="publications"' in body


def test_partial_renders_the_table_alone_and_stops_polling_when_done(client_in, clip):
    pub = PublicationFactory(
        clip=clip,
        status=PublicationStatus.PUBLISHING,
        claim_token=uuid.uuid4(),
        bytes_sent=1,
        bytes_total=2,
    )
    partial = client_in.get(f"/clips/{clip.pk}/publications/", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    text = partial.content.decode()
    assert text.lstrip().startswith('<div id="publications"')
    assert "<html" not in text
    assert 'hx-trigger="every 1s"' in text
    assert "Публикуется 50 %" in text

    Publication.objects.filter(pk=pub.pk).update(
        status=PublicationStatus.PUBLISHED, platform_url="https://vk.com/clip-1_2"
    )
    text = client_in.get(f"/clips/{clip.pk}/publications/").content.decode()
    assert "hx-trigger" not in text
    assert "Опубликовано" in text


# --- owner-only ----------------------------------------------------------------------------


def test_another_users_clip_is_404_everywhere(client_in, other_clip):
    pub = PublicationFactory(clip=other_clip, status=PublicationStatus.FAILED)
    assert client_in.get(f"/clips/{other_clip.pk}/").status_code == 404
    assert client_in.get(f"/clips/{other_clip.pk}/publications/").status_code == 404
    assert (
        client_in.post(f"/clips/{other_clip.pk}/publish/", {"destinations": [1]}).status_code == 404
    )
    assert client_in.post(f"/clips/publications/{pub.pk}/retry/").status_code == 404
    assert client_in.post(f"/clips/publications/{pub.pk}/cancel/").status_code == 404
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.FAILED


def test_missing_clip_is_404_like_anothers(client_in):
    assert client_in.get("/clips/999999/").status_code == 404


def test_clip_page_requires_login(client, clip):
    response = client.get(f"/clips/{clip.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_other_user_sees_nothing_of_the_owner(clip):
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(f"/clips/{clip.pk}/").status_code == 404


def test_schedule_accepts_seconds(client_in, clip, connected):
    local = timezone.localtime(timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    client_in.post(
        f"/clips/{clip.pk}/publish/",
        {
            "destinations": _places(clip.owner, "vk"),
            "action": "schedule",
            "scheduled_at": local.strftime("%Y-%m-%dT%H:%M:%S"),
        },
    )
    assert Publication.objects.get(clip=clip).scheduled_at == local


def test_unreadable_schedule_time_is_refused(client_in, clip, connected):
    response = client_in.post(
        f"/clips/{clip.pk}/publish/",
        {
            "destinations": _places(clip.owner, "vk"),
            "action": "schedule",
            "scheduled_at": "завтра утром",
        },
    )
    assert response.status_code == 400
    assert "Не удалось прочитать дату и время" in response.content.decode()
    assert not Publication.objects.exists()


def test_last_poll_refreshes_the_platform_checkboxes_out_of_band(client_in, clip, connected):
    pub = PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHING)
    # The page polls with the places it saw busy.
    url = f"/clips/{clip.pk}/publications/?busy={pub.destination_id}"

    polling = client_in.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-swap-oob" not in polling  # in-flight polls that find nothing new stay cheap

    Publication.objects.filter(pk=pub.pk).update(status=PublicationStatus.PUBLISHED)
    last = client_in.get(url, headers={"HX-Request": "true"}).content.decode()

    assert '<fieldset class="platforms" id="destination-options" hx-swap-oob="true">' in last
    assert " disabled" not in _option(last, "vk")


def test_publish_form_shares_the_20_per_minute_limit_with_the_api(client_in, user, connected):
    clips = ClipFactory.create_batch(21, owner=user)
    for clip in clips[:20]:
        response = client_in.post(
            f"/clips/{clip.pk}/publish/", {"destinations": _places(user, "vk")}
        )
        assert response.status_code == 302

    response = client_in.post(
        f"/clips/{clips[20].pk}/publish/", {"destinations": _places(user, "vk")}
    )

    assert response.status_code == 429
    assert "Слишком много публикаций: не больше 20 запросов в минуту. Повторите через" in (
        response.content.decode()
    )
    assert not Publication.objects.filter(clip=clips[20]).exists()
    api_response = client_in.post(
        f"/api/v1/clips/{clips[20].pk}/publish/",
        {"platforms": ["vk"]},
        content_type="application/json",
    )
    assert api_response.status_code == 429


def test_retry_spends_the_publish_budget_too(client_in, user, connected):
    clips = ClipFactory.create_batch(20, owner=user)
    for clip in clips:
        client_in.post(f"/clips/{clip.pk}/publish/", {"destinations": _places(user, "vk")})
    failed = PublicationFactory(clip=ClipFactory(owner=user), status=PublicationStatus.FAILED)

    page = client_in.post(f"/clips/publications/{failed.pk}/retry/", follow=True)
    api = client_in.post(f"/api/v1/publications/{failed.pk}/retry/")

    failed.refresh_from_db()
    assert failed.status == PublicationStatus.FAILED
    assert "Слишком много публикаций" in page.content.decode()
    assert api.status_code == 429


def test_a_platform_already_published_to_warns_of_a_second_post(client_in, clip, connected):
    PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHED)
    PublicationFactory(clip=clip, platform="dzen", status=PublicationStatus.FAILED)

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()

    assert "Уже опубликован здесь" in _option(body, "vk")
    assert " disabled" not in _option(body, "vk")  # still allowed, on purpose
    assert "Уже опубликован здесь" not in _option(body, "dzen")


def test_a_rejected_video_offers_no_retry_and_no_dead_link(client_in, clip):
    pub = PublicationFactory(
        clip=clip,
        platform="rutube",
        status=PublicationStatus.FAILED,
        error_code="rejected",
        error_message="Rutube отклонил видео на модерации: Нарушение правил.",
        platform_url="https://rutube.ru/video/abc/",
    )

    row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), pub)

    assert "Нарушение правил" in row
    assert "Повторить</button>" not in row
    assert "Открыть пост" not in row


def test_the_retry_view_refuses_a_video_rejected_by_moderation(client_in, clip):
    pub = PublicationFactory(
        clip=clip,
        platform="rutube",
        status=PublicationStatus.FAILED,
        error_code="rejected",
        error_message="Rutube отклонил видео на модерации: Нарушение правил.",
    )

    response = client_in.post(f"/clips/publications/{pub.pk}/retry/", follow=True)

    pub.refresh_from_db()
    assert pub.status == PublicationStatus.FAILED
    body = response.content.decode()
    assert 'class="msg error"' in body
    assert "Rutube отклонил это видео: повтор не поможет." in body
    assert "снова в очереди" not in body
    assert "Повторить</button>" not in _row(body, pub)


def test_the_publish_panel_names_the_platforms_text_limits(client_in, clip, connected):
    body = client_in.get(f"/clips/{clip.pk}/").content.decode()
    assert "до 100 символов заголовка" in body and "до 1024 символов подписи" in body


def test_a_failure_re_enables_its_checkbox_while_others_still_move(client_in, clip, connected):
    vk = PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHING)
    dzen = PublicationFactory(clip=clip, platform="dzen", status=PublicationStatus.QUEUED)
    busy = ",".join(str(i) for i in sorted([vk.destination_id, dzen.destination_id]))
    page = client_in.get(f"/clips/{clip.pk}/").content.decode()
    assert f"publications/?busy={busy}" in page
    assert " disabled" in _option(page, "vk")

    Publication.objects.filter(pk=vk.pk).update(status=PublicationStatus.FAILED)
    # The page sends back the ticks the user made meanwhile; they stay.
    rutube = _places(clip.owner, "rutube")[0]
    poll = client_in.get(
        f"/clips/{clip.pk}/publications/?busy={busy}&destinations={rutube}",
        headers={"HX-Request": "true"},
    ).content.decode()

    assert 'id="destination-options" hx-swap-oob="true"' in poll
    assert " disabled" not in _option(poll, "vk")
    assert " disabled" in _option(poll, "dzen")  # still queued
    assert f'value="{rutube}" checked' in poll
    assert f"publications/?busy={dzen.destination_id}" in poll  # polling goes on


def test_the_publish_started_banner_is_marked_to_go_away(client_in, clip, connected):
    response = client_in.post(
        f"/clips/{clip.pk}/publish/", {"destinations": _places(clip.owner, "vk")}, follow=True
    )
    body = response.content.decode()
    assert 'class="msg publish-started success"' in body
    assert "js/clip_live.js" in body
