"""The calendar (/calendar/): week, month and «Очередь» of every publication across clips, in
the user's time zone, with each platform's colour, and moving a scheduled one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms.providers import provider_class
from publishing.models import PublicationStatus
from tests.factories import ClipFactory, PublicationFactory

pytestmark = pytest.mark.django_db

MOSCOW = ZoneInfo("Europe/Moscow")


def _entry(body: str, pub) -> str:  # type: ignore[no-untyped-def]
    match = re.search(
        rf'<li class="cal-entry[^"]*"[^>]*data-publication-id="{pub.pk}".*?</li>', body, re.S
    )
    assert match, f"publication {pub.pk} is not on the calendar"
    return match.group(0)


def _day(body: str, iso: str) -> str:
    match = re.search(rf'<div class="cal-day[^"]*" data-date="{iso}">(.*?)</ul>', body, re.S)
    assert match, f"day {iso} is not on the calendar"
    return match.group(1)


def _soon(days: int = 1, hour: int = 10) -> datetime:
    local = (timezone.localtime(timezone.now(), MOSCOW) + timedelta(days=days)).replace(
        hour=hour, minute=30, second=0, microsecond=0
    )
    return local


def test_the_calendar_needs_a_login(client):
    response = client.get("/calendar/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_header_links_to_the_calendar(client_in):
    body = client_in.get("/clips/").content.decode()
    assert '<a href="/calendar/"' in body and ">Календарь</a>" in body


def test_week_shows_every_kind_of_publication_across_clips(client_in, clip, user, connected):
    other = ClipFactory(owner=user, title="Второй клип")
    when = _soon(days=1)
    scheduled = PublicationFactory(
        clip=clip, platform="vk", status=PublicationStatus.SCHEDULED, scheduled_at=when
    )
    published = PublicationFactory(
        clip=other,
        platform="telegram",
        status=PublicationStatus.PUBLISHED,
        published_at=when - timedelta(hours=1),
    )
    failed = PublicationFactory(
        clip=other,
        platform="rutube",
        status=PublicationStatus.FAILED,
        finished_at=when + timedelta(hours=1),
        error_message="Ошибка",
    )
    cancelled = PublicationFactory(
        clip=clip, platform="dzen", status=PublicationStatus.CANCELLED, scheduled_at=when
    )

    response = client_in.get(f"/calendar/?view=week&date={when.date().isoformat()}")

    assert response.status_code == 200
    body = response.content.decode()
    day = _day(body, when.date().isoformat())
    for pub in (scheduled, published, failed):
        assert f'data-publication-id="{pub.pk}"' in day
    assert f'data-publication-id="{cancelled.pk}"' not in body
    assert "Запланировано на" in _entry(body, scheduled)
    assert "10:30" in _entry(body, scheduled)
    assert "Опубликовано" in _entry(body, published) and "Второй клип" in _entry(body, published)
    assert "Ошибка" in _entry(body, failed)
    # Each entry opens its clip page and wears its platform's colour (from the provider).
    assert f'href="/clips/{clip.pk}/"' in _entry(body, scheduled)
    assert f"--c: {provider_class('vk').colour}" in _entry(body, scheduled)
    assert f"--c: {provider_class('telegram').colour}" in _entry(body, published)
    # Only a scheduled one can be moved.
    assert 'draggable="true"' in _entry(body, scheduled)
    assert "draggable" not in _entry(body, published)


def test_times_and_days_are_in_the_users_time_zone(client_in, clip, user, connected):
    user.time_zone = "Asia/Vladivostok"  # UTC+10
    user.save()
    # 20:00 UTC on 1 May 2030 is 06:00 on 2 May in Vladivostok.
    pub = PublicationFactory(
        clip=clip,
        platform="vk",
        status=PublicationStatus.SCHEDULED,
        scheduled_at=datetime(2030, 5, 1, 20, 0, tzinfo=UTC),
    )

    body = client_in.get("/calendar/?view=week&date=2030-05-01").content.decode()

    assert f'data-publication-id="{pub.pk}"' in _day(body, "2030-05-02")
    assert 'data-time="06:00"' in _entry(body, pub)
    assert "Asia/Vladivostok, UTC+10:00" in body


def test_month_shows_the_whole_month_and_navigation(client_in, clip, connected):
    pub = PublicationFactory(
        clip=clip,
        platform="dzen",
        status=PublicationStatus.SCHEDULED,
        scheduled_at=datetime(2030, 5, 31, 9, 0, tzinfo=UTC),
    )

    body = client_in.get("/calendar/?view=month&date=2030-05-17").content.decode()

    assert "Май 2030" in body
    assert 'data-date="2030-05-01"' in body and 'data-date="2030-05-31"' in body
    assert f'data-publication-id="{pub.pk}"' in _day(body, "2030-05-31")
    assert "?view=month&amp;date=2030-04-01" in body and "?view=month&amp;date=2030-06-01" in body


def test_the_queue_lists_days_with_publications(client_in, clip, connected):
    when = _soon(days=2)
    pub = PublicationFactory(
        clip=clip, platform="telegram", status=PublicationStatus.SCHEDULED, scheduled_at=when
    )

    body = client_in.get("/calendar/?view=list").content.decode()

    assert 'data-view="list"' in body
    assert "Очередь" in body
    assert "Канал" in _entry(body, pub) or pub.destination.display_name in _entry(body, pub)
    assert f"Запланировано на {when:%d.%m %H:%M}" in _entry(body, pub)


def test_the_queue_says_when_nothing_is_planned(client_in):
    body = client_in.get("/calendar/?view=list").content.decode()
    assert "ничего не запланировано" in body


def test_a_bad_date_or_view_falls_back_to_this_week(client_in):
    response = client_in.get("/calendar/?view=year&date=вчера")
    assert response.status_code == 200
    assert 'data-view="week"' in response.content.decode()


def test_other_users_publications_are_not_shown(client_in, other_clip):
    pub = PublicationFactory(
        clip=other_clip,
        platform="vk",
        status=PublicationStatus.SCHEDULED,
        scheduled_at=_soon(days=1),
    )
    body = client_in.get("/calendar/?view=list").content.decode()
    assert f'data-publication-id="{pub.pk}"' not in body


# --- moving --------------------------------------------------------------------------------


def _scheduled(clip, when=None):  # type: ignore[no-untyped-def]
    return PublicationFactory(
        clip=clip,
        platform="vk",
        status=PublicationStatus.SCHEDULED,
        scheduled_at=when or _soon(days=1),
    )


def test_the_move_form_shows_the_current_time_in_the_users_zone(client_in, clip, connected):
    pub = _scheduled(clip)

    body = client_in.get(f"/calendar/publications/{pub.pk}/move/").content.decode()

    local = timezone.localtime(pub.scheduled_at, MOSCOW)
    assert f'value="{local:%Y-%m-%dT%H:%M}"' in body
    assert "csrfmiddlewaretoken" in body


def test_the_move_form_moves_it_and_goes_back(client_in, clip, connected):
    pub = _scheduled(clip)
    new = _soon(days=3, hour=18)

    response = client_in.post(
        f"/calendar/publications/{pub.pk}/move/",
        {"scheduled_at": f"{new:%Y-%m-%dT%H:%M}", "next": "/calendar/?view=month"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/calendar/?view=month"
    pub.refresh_from_db()
    assert pub.scheduled_at == new
    page = client_in.get("/calendar/?view=month").content.decode()
    assert "перенесена на" in page


def test_a_drop_gets_json_back(client_in, clip, connected):
    pub = _scheduled(clip)
    new = _soon(days=2)

    response = client_in.post(
        f"/calendar/publications/{pub.pk}/move/",
        {"scheduled_at": f"{new:%Y-%m-%dT%H:%M}"},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )

    assert response.status_code == 200
    assert response.json()["ok"] is True
    pub.refresh_from_db()
    assert pub.scheduled_at == new


def test_a_drop_into_the_past_is_refused_with_the_reason(client_in, clip, connected):
    pub = _scheduled(clip)
    before = pub.scheduled_at
    past = timezone.localtime(timezone.now(), MOSCOW) - timedelta(days=1)

    response = client_in.post(
        f"/calendar/publications/{pub.pk}/move/",
        {"scheduled_at": f"{past:%Y-%m-%dT%H:%M}"},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )

    assert response.status_code == 400
    assert "уже прошло" in response.json()["errors"][0]
    pub.refresh_from_db()
    assert pub.scheduled_at == before


def test_the_form_shows_why_it_cannot_move(client_in, clip, connected, user):
    pub = _scheduled(clip)
    user.plan = Plan.FREE
    user.save()

    response = client_in.post(
        f"/calendar/publications/{pub.pk}/move/",
        {"scheduled_at": f"{_soon(days=2):%Y-%m-%dT%H:%M}"},
    )

    assert response.status_code == 400
    assert "недоступна на тарифе Free" in response.content.decode()


def test_a_publication_that_started_cannot_be_moved(client_in, clip, connected):
    pub = PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.QUEUED)

    response = client_in.post(
        f"/calendar/publications/{pub.pk}/move/",
        {"scheduled_at": f"{_soon(days=2):%Y-%m-%dT%H:%M}"},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )

    assert response.status_code == 409
    assert "только запланированную" in response.json()["errors"][0]


def test_another_users_publication_cannot_be_moved(client_in, other_clip):
    pub = _scheduled(other_clip)
    before = pub.scheduled_at

    response = client_in.post(
        f"/calendar/publications/{pub.pk}/move/",
        {"scheduled_at": f"{_soon(days=2):%Y-%m-%dT%H:%M}"},
    )

    assert response.status_code == 404
    pub.refresh_from_db()
    assert pub.scheduled_at == before


def test_next_never_leaves_the_site(client_in, clip, connected):
    pub = _scheduled(clip)
    response = client_in.post(
        f"/calendar/publications/{pub.pk}/move/",
        {"scheduled_at": f"{_soon(days=2):%Y-%m-%dT%H:%M}", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/calendar/"


def test_the_calendar_costs_a_fixed_number_of_queries(
    client_in, user, connected, django_assert_max_num_queries
):
    when = _soon(days=1)
    for n in range(12):
        clip = ClipFactory(owner=user)
        PublicationFactory(
            clip=clip,
            platform=["vk", "rutube", "dzen", "telegram"][n % 4],
            status=PublicationStatus.SCHEDULED,
            scheduled_at=when + timedelta(minutes=n),
        )
    with django_assert_max_num_queries(8):
        client_in.get(f"/calendar/?view=week&date={when.date().isoformat()}")
