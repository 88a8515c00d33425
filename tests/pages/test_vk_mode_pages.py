"""VK modes on the pages: the radio by the VK places on the publish panel, the mode on the
publication's row with «Опубликовать как видео» after a refusal, and each place's default on
the settings page."""

from __future__ import annotations

import pytest

from platforms.constants import Platform
from platforms.models import Destination
from publishing.models import Publication, PublicationStatus
from tests.factories import DestinationFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def vk_page(user: object) -> Destination:
    return Destination.objects.live().get(connection__user=user, connection__platform="vk")


def test_the_publish_panel_offers_clip_or_video_next_to_vk_with_the_default_checked(
    client_in, clip, connected
):
    body = client_in.get(f"/clips/{clip.pk}/").content.decode()

    assert 'data-testid="vk-mode"' in body
    assert 'name="vk_mode" value="clip" checked' in body
    assert 'name="vk_mode" value="video">' in body
    assert 'data-testid="telegram-mode"' not in body


def test_places_with_different_defaults_offer_keeping_each_ones_own(client_in, clip, connected):
    DestinationFactory(
        connection=connected[Platform.VK],
        kind="community",
        external_id="-55",
        extra={"group_id": 55, "vk_mode": "video"},
    )

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()

    assert 'name="vk_mode" value="" checked' in body
    assert "как настроено для каждого места" in body


def test_publishing_as_a_video_from_the_panel(client_in, clip, connected):
    client_in.post(
        f"/clips/{clip.pk}/publish/",
        {"destinations": [vk_page(clip.owner).pk], "vk_mode": "video", "action": "now"},
    )

    assert Publication.objects.get(clip=clip).vk_mode == "video"


def test_the_row_names_the_mode_and_a_refused_clip_offers_publishing_as_a_video(
    client_in, clip, connected
):
    pub = PublicationFactory(
        clip=clip,
        status=PublicationStatus.FAILED,
        vk_mode="clip",
        error_code="clips_refused",
        error_message="VK не разрешил этому аккаунту публиковать Клипы через API (ошибка 15).",
    )

    body = client_in.get(f"/clips/{clip.pk}/").content.decode()
    answer = client_in.post(
        f"/clips/publications/{pub.pk}/retry/", {"vk_mode": "video"}, follow=True
    )

    assert 'data-testid="vk-mode">Клип' in body
    assert "Опубликовать как видео" in body
    pub.refresh_from_db()
    assert (pub.status, pub.vk_mode) == (PublicationStatus.QUEUED, "video")
    assert "как видео снова в очереди" in answer.content.decode()


def test_an_ordinary_failure_offers_no_switch(client_in, clip, connected):
    PublicationFactory(
        clip=clip, status=PublicationStatus.FAILED, vk_mode="clip", error_code="permanent"
    )

    assert "Опубликовать как видео" not in client_in.get(f"/clips/{clip.pk}/").content.decode()


def test_the_settings_page_sets_a_places_default_mode_and_wall_post(client_in, user, connected):
    page = vk_page(user)

    before = client_in.get("/settings/platforms/").content.decode()
    client_in.post(f"/settings/platforms/destinations/{page.pk}/mode/", {"mode": "video"})
    page.refresh_from_db()

    assert f'data-testid="mode-{page.pk}"' in before and "Как публиковать: клип, на стене" in before
    assert (page.extra["vk_mode"], page.extra["vk_wallpost"]) == ("video", False)


def test_an_unknown_mode_on_the_settings_page_is_refused(client_in, user, connected):
    page = vk_page(user)

    answer = client_in.post(
        f"/settings/platforms/destinations/{page.pk}/mode/", {"mode": "story"}, follow=True
    )

    assert "Клип или видео" in answer.content.decode()
    page.refresh_from_db()
    assert "vk_mode" not in page.extra
