"""Tokens that run out: a VK token the user pasted lives a day and cannot renew itself.

Given such a connection, the card shows until when it works; 24 hours before and at expiry the
platforms page and every clip page that can publish to VK say so with a link to reconnect; a
scheduled publication that would fall after the expiry is flagged on its row, and the publish
panel warns when a later time is chosen. Connections that refresh themselves never warn.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from platforms.constants import Platform
from platforms.models import ConnectionStatus, Destination
from platforms.selectors import connection_expiry_warnings, connection_list_expiring_within
from publishing.models import Publication, PublicationStatus
from publishing.presenters import user_time_zone
from tests.factories import ClipFactory, PlatformConnectionFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def pasted_vk(user, *, expires_in: timedelta, **kwargs):  # type: ignore[no-untyped-def]
    return PlatformConnectionFactory(
        user=user,
        platform=Platform.VK,
        tokens=("vk1.a.pasted", None),
        expires_at=timezone.now() + expires_in,
        extra={"token_source": "pasted"},
        account_name="Анна Клипова",
        **kwargs,
    )


def banners(body: str) -> list[str]:
    found, start = [], 0
    while (start := body.find('data-testid="expiry-banner"', start)) != -1:
        found.append(body[start : body.index("</div>", start)])
        start += 1
    return found


def _row(body: str, publication: Publication) -> str:
    start = body.index(f'data-publication-id="{publication.pk}"')
    return body[start : body.index("</tr>", start)]


# --- the selector --------------------------------------------------------------------------


def test_the_selector_finds_tokens_that_cannot_renew_and_run_out_within_the_window(user):
    soon = pasted_vk(user, expires_in=timedelta(hours=5))
    gone = pasted_vk(UserFactory(), expires_in=-timedelta(minutes=1))
    pasted_vk(UserFactory(), expires_in=timedelta(hours=30))  # later than 24 h
    PlatformConnectionFactory(  # VK ID: renews itself every hour
        user=user, platform=Platform.VK, expires_at=timezone.now() + timedelta(minutes=30)
    )
    pasted_vk(UserFactory(), expires_in=timedelta(hours=1), status=ConnectionStatus.REVOKED)

    found = list(connection_list_expiring_within(hours=24))

    assert found == [gone, soon]  # soonest first
    assert list(connection_list_expiring_within(hours=24, user=user)) == [soon]
    assert list(connection_list_expiring_within(hours=1)) == [gone]


def test_warnings_say_whether_the_token_is_about_to_expire_or_has(user):
    soon = pasted_vk(user, expires_in=timedelta(hours=5, minutes=30))
    refused = pasted_vk(user, expires_in=timedelta(hours=40), status=ConnectionStatus.EXPIRED)

    warnings = {w.connection.pk: w for w in connection_expiry_warnings(user=user)}

    assert (warnings[soon.pk].expired, warnings[soon.pk].hours_left) == (False, 5)
    assert warnings[refused.pk].expired is True
    assert connection_expiry_warnings(user=user, platforms={"telegram"}) == []


# --- the platforms page ------------------------------------------------------------------------


def test_the_card_shows_until_when_a_pasted_token_works(client_in, user):
    pasted_vk(user, expires_in=timedelta(days=3))

    body = client_in.get("/settings/platforms/").content.decode()

    assert 'data-testid="token-expires"' in body
    assert "вставлен вручную" in body
    assert banners(body) == []  # three days left: no banner yet


def test_24_hours_before_expiry_the_platforms_page_warns_with_a_reconnect_link(client_in, user):
    pasted_vk(user, expires_in=timedelta(hours=23, minutes=50))

    (banner,) = banners(client_in.get("/settings/platforms/").content.decode())

    assert "Токен VK скоро истечёт" in banner and "Анна Клипова" in banner
    assert "примерно через 23 ч" in banner
    assert 'href="/settings/platforms/vk/connect/"' in banner and "Переподключить VK" in banner


def test_at_expiry_the_platforms_page_says_the_token_no_longer_works(client_in, user):
    pasted_vk(user, expires_in=-timedelta(seconds=1))

    (banner,) = banners(client_in.get("/settings/platforms/").content.decode())

    assert 'data-expired="true"' in banner
    assert "Токен VK больше не действует" in banner
    assert "Публикации в VK не пройдут" in banner


def test_a_connection_that_renews_itself_never_warns(client_in, user):
    PlatformConnectionFactory(
        user=user, platform=Platform.VK, expires_at=timezone.now() + timedelta(minutes=20)
    )

    body = client_in.get("/settings/platforms/").content.decode()

    assert banners(body) == []
    assert "обновляется автоматически" in body


# --- clip pages ----------------------------------------------------------------------------


def test_a_clip_page_that_publishes_to_vk_warns_before_expiry(client_in, user, clip):
    pasted_vk(user, expires_in=timedelta(hours=2))

    (banner,) = banners(client_in.get(f"/clips/{clip.pk}/").content.decode())

    assert "Токен VK скоро истечёт" in banner and "Переподключить VK" in banner


def test_a_clip_page_warns_at_expiry_too(client_in, user, clip):
    pasted_vk(user, expires_in=-timedelta(hours=1))

    (banner,) = banners(client_in.get(f"/clips/{clip.pk}/").content.decode())

    assert "больше не действует" in banner


def test_a_scheduled_publication_after_the_expiry_is_flagged_on_its_row(client_in, user, clip):
    conn = pasted_vk(user, expires_in=timedelta(hours=10))
    place = Destination.objects.get(connection=conn)
    late = PublicationFactory(
        clip=clip,
        destination=place,
        status=PublicationStatus.SCHEDULED,
        scheduled_at=timezone.now() + timedelta(hours=12),
    )
    other = ClipFactory(owner=user)
    early = PublicationFactory(
        clip=other,
        destination=place,
        status=PublicationStatus.SCHEDULED,
        scheduled_at=timezone.now() + timedelta(hours=2),
    )

    late_row = _row(client_in.get(f"/clips/{clip.pk}/").content.decode(), late)
    early_row = _row(client_in.get(f"/clips/{other.pk}/").content.decode(), early)

    assert 'data-testid="token-expires-first"' in late_row
    assert "действует только до" in late_row and "Переподключите VK" in late_row
    assert 'data-testid="token-expires-first"' not in early_row


def test_the_publish_panel_carries_the_expiry_to_warn_about_a_later_time(client_in, user, clip):
    conn = pasted_vk(user, expires_in=timedelta(hours=10))
    place = Destination.objects.get(connection=conn)

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()

    start = body.index(f'data-destination="{place.pk}"')
    option = body[start : body.index("</label>", start)]
    # In the user's zone, as the time input's value is: the script compares the two as text.
    local = timezone.localtime(conn.expires_at, user_time_zone(user))
    assert f'data-expires-at="{local:%Y-%m-%dT%H:%M}"' in option
    assert "data-expiry-warning hidden" in body
    assert "js/publish_expiry.js" in body


def test_scheduling_after_the_expiry_is_accepted_with_a_warning(client_in, user, clip):
    conn = pasted_vk(user, expires_in=timedelta(hours=10))
    place = Destination.objects.get(connection=conn)
    at = timezone.localtime(timezone.now() + timedelta(hours=20), user_time_zone(user))

    response = client_in.post(
        f"/clips/{clip.pk}/publish/",
        {
            "destinations": [place.pk],
            "title": "Клип",
            "description": "",
            "scheduled_at": at.strftime("%Y-%m-%dT%H:%M"),
            "action": "schedule",
        },
        follow=True,
    )

    said = " ".join(str(m) for m in response.context["messages"])
    assert Publication.objects.filter(clip=clip, status=PublicationStatus.SCHEDULED).exists()
    assert "к назначенному времени токен истечёт" in said


def test_support_can_list_the_connections_whose_token_runs_out(user):
    from django.test import Client

    soon = pasted_vk(user, expires_in=timedelta(hours=3))
    later = pasted_vk(UserFactory(), expires_in=timedelta(days=3))
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)

    body = client.get("/admin/platforms/platformconnection/", {"expiring": "24h"}).content.decode()

    assert str(soon.pk) in body and str(later.pk) not in body


def test_the_api_flags_a_scheduled_publication_after_the_expiry(client_in, user, clip):
    conn = pasted_vk(user, expires_in=timedelta(hours=10))
    place = Destination.objects.get(connection=conn)
    late = PublicationFactory(
        clip=clip,
        destination=place,
        status=PublicationStatus.SCHEDULED,
        scheduled_at=timezone.now() + timedelta(hours=12),
    )

    body = client_in.get(f"/api/v1/publications/{late.pk}/").json()

    assert body["token_expires_first"] is True
