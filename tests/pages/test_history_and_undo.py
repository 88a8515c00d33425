"""The clip page's history (grouped by place in the checkboxes' order, older folded, the title
that was sent), cancel with confirmation and «Вернуть», and «Повторить» after a reconnect."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from platforms.models import ConnectionStatus, Destination
from publishing.models import Publication, PublicationStatus
from publishing.services import connection_disconnect
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _groups(body: str) -> list[tuple[str, str]]:
    """(platform, section html) of each place on the history, in page order."""
    return re.findall(
        r'<section class="pub-group" data-destination="\d+" data-platform="(\w+)">(.*?)</section>',
        body,
        re.S,
    )


def _scheduled(clip, platform="vk", **fields):  # type: ignore[no-untyped-def]
    return PublicationFactory(
        clip=clip,
        platform=platform,
        status=PublicationStatus.SCHEDULED,
        scheduled_at=timezone.now() + timedelta(hours=5),
        **fields,
    )


def test_history_is_grouped_by_place_in_checkbox_order_newest_first(client_in, clip, connected):
    old_tg = PublicationFactory(clip=clip, platform="telegram", status="failed", title="Старый")
    PublicationFactory(clip=clip, platform="vk", status="published", title="ВК")
    new_tg = PublicationFactory(clip=clip, platform="telegram", status="published", title="Новый")
    PublicationFactory(clip=clip, platform="dzen", status="cancelled")

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()
    groups = _groups(body)

    assert [platform for platform, _ in groups] == ["vk", "dzen", "telegram"]
    telegram = groups[2][1]
    latest, folded = telegram.split("<details", 1)
    assert f'data-publication-id="{new_tg.pk}"' in latest
    assert f'data-publication-id="{old_tg.pk}"' in folded
    assert "Ранее сюда: 1 публикация" in folded
    # The title that was actually sent.
    assert "Опубликовано с заголовком:</span> «Новый»" in latest


def test_cancel_asks_first_and_offers_undo(client_in, clip, connected):
    pub = _scheduled(clip)
    body = client_in.get(f"/clips/{clip.pk}/").content.decode()
    assert 'hx-confirm="Отменить публикацию «' in body

    response = client_in.post(f"/clips/publications/{pub.pk}/cancel/", headers=HX)

    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="publications"')
    assert '<div id="undo-slot" hx-swap-oob="true">' in text
    assert "отменена" in text and ">Вернуть</button>" in text
    assert 'data-undo-seconds="8"' in text
    # The place can be chosen again at once.
    assert 'id="destination-options" hx-swap-oob="true"' in text
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.CANCELLED

    ticket = re.search(r'name="ticket" value="([^"]+)"', text).group(1)
    undone = client_in.post("/clips/publications/undo/", {"ticket": ticket}, headers=HX)

    assert undone.status_code == 200
    assert "возвращена" in undone.content.decode()
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.SCHEDULED


def test_cancel_without_javascript_redirects_and_still_offers_undo(client_in, clip, connected):
    pub = _scheduled(clip)

    response = client_in.post(f"/clips/publications/{pub.pk}/cancel/", follow=True)

    body = response.content.decode()
    assert ">Вернуть</button>" in body
    ticket = re.search(r'name="ticket" value="([^"]+)"', body).group(1)
    # Shown once: a reload no longer offers it.
    assert ">Вернуть</button>" not in client_in.get(f"/clips/{clip.pk}/").content.decode()

    response = client_in.post("/clips/publications/undo/", {"ticket": ticket})
    assert response.status_code == 302
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.SCHEDULED


def test_a_stale_undo_says_why(client_in, clip, connected):
    response = client_in.post("/clips/publications/undo/", {"ticket": "подделка"}, follow=True)
    assert "Вернуть публикацию уже нельзя" in response.content.decode()


def test_retry_shows_on_a_disconnect_cancel_only_once_reconnected(client_in, clip, connected, user):
    pub = _scheduled(clip, platform="rutube")
    connection_disconnect(user=user, platform="rutube")

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()
    row = body[body.index(f'data-publication-id="{pub.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Отменено: Rutube отключён" in row
    assert ">Повторить</button>" not in row

    conn = connected["rutube"]
    conn.status = ConnectionStatus.ACTIVE
    conn.save()
    Destination.objects.filter(pk=pub.destination_id).update(removed_at=None)

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()
    row = body[body.index(f'data-publication-id="{pub.pk}"') :]
    assert ">Повторить</button>" in row[: row.index("</tr>")]

    response = client_in.post(f"/clips/publications/{pub.pk}/retry/")

    assert response.status_code == 302
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.QUEUED
    assert Publication.objects.filter(clip=clip).count() == 1


def test_clip_list_and_clip_page_say_the_same(client_in, clip, connected, settings):
    settings.PUBLISH_RETRY_DELAYS = [300, 900, 3600]
    retry_at = timezone.now() + timedelta(minutes=7)
    PublicationFactory(
        clip=clip, platform="vk", status="queued", attempts=1, next_attempt_at=retry_at
    )
    _scheduled(clip, platform="dzen")

    page = client_in.get(f"/clips/{clip.pk}/").content.decode()
    listing = client_in.get("/clips/").content.decode()

    for text in ("Повтор в ", "(попытка 2 из 4)", "Запланировано на "):
        assert text in page and text in listing
    retry_text = re.search(r"Повтор в [\d.: ]+ \(попытка 2 из 4\)", page).group(0)
    assert retry_text in listing
    scheduled_text = re.search(r"Запланировано на [\d.: ]+\d", page).group(0)
    assert scheduled_text in listing


def test_status_times_are_in_the_users_zone_on_the_page_and_the_list(client_in, clip, user):
    user.time_zone = "Asia/Vladivostok"  # UTC+10
    user.save()
    when = datetime(2030, 1, 10, 20, 0, tzinfo=UTC)  # 06:00 on 11 January there
    PublicationFactory(clip=clip, platform="vk", status="scheduled", scheduled_at=when)

    page = client_in.get(f"/clips/{clip.pk}/").content.decode()
    listing = client_in.get("/clips/").content.decode()

    assert "Запланировано на 11.01 06:00" in page
    assert "Запланировано на 11.01 06:00" in listing
