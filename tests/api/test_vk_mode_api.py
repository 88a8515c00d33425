"""``vk_mode`` in the API: chosen on publish, shown on the publication, a retry in the other
mode, and each VK place's default in the destinations API."""

from __future__ import annotations

import pytest

from platforms.constants import Platform
from publishing.models import Publication, PublicationStatus
from tests.factories import DestinationFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def publish(api, clip, **body):  # type: ignore[no-untyped-def]
    return api.post(f"/api/v1/clips/{clip.pk}/publish/", body, format="json")


def test_vk_mode_chosen_on_publish_is_kept_and_shown_only_for_vk(api, clip, connected):
    answer = publish(api, clip, platforms=["vk", "rutube"], vk_mode="video")

    assert answer.status_code == 201, answer.json()
    by_platform = {row["platform"]: row for row in answer.json()}
    assert by_platform["vk"]["vk_mode"] == "video"
    assert by_platform["rutube"]["vk_mode"] is None
    assert Publication.objects.get(platform="vk").vk_mode == "video"
    assert api.get(f"/api/v1/publications/{by_platform['vk']['id']}/").json()["vk_mode"] == "video"


def test_without_vk_mode_each_vk_place_uses_its_own_default(api, clip, connected):
    vk = connected[Platform.VK]
    community = DestinationFactory(
        connection=vk,
        kind="community",
        external_id="-55",
        extra={"group_id": 55, "vk_mode": "video"},
    )
    page = vk.destinations.exclude(pk=community.pk).get()

    answer = publish(api, clip, destinations=[page.pk, community.pk])

    assert answer.status_code == 201, answer.json()
    modes = {row["destination"]["id"]: row["vk_mode"] for row in answer.json()}
    assert modes == {page.pk: "clip", community.pk: "video"}


def test_an_unknown_vk_mode_is_refused_with_a_russian_message_and_nothing_created(
    api, clip, connected
):
    answer = publish(api, clip, platforms=["vk"], vk_mode="story")

    assert answer.status_code == 400
    assert "Режим VK" in answer.json()["errors"]["vk_mode"][0]
    assert not Publication.objects.exists()


def test_a_failed_clip_is_retried_as_a_video(api, clip, connected):
    pub = PublicationFactory(
        clip=clip,
        status=PublicationStatus.FAILED,
        vk_mode="clip",
        error_code="clips_refused",
        platform_handle={"id": "", "data": {"mode": "clip", "create_sent_at": 1}},
    )

    answer = api.post(f"/api/v1/publications/{pub.pk}/retry/", {"vk_mode": "video"}, format="json")

    assert answer.status_code == 200, answer.json()
    assert (answer.json()["status"], answer.json()["vk_mode"]) == ("queued", "video")
    pub.refresh_from_db()
    assert pub.platform_handle is None  # nothing of the Клип attempt is resumed


def test_a_retry_in_the_other_mode_is_refused_while_vk_holds_the_upload(api, clip, connected):
    handle = {"id": "1_2", "data": {"mode": "clip", "owner_id": 1, "video_id": 2, "uploaded": True}}
    pub = PublicationFactory(
        clip=clip, status=PublicationStatus.FAILED, vk_mode="clip", platform_handle=handle
    )

    answer = api.post(f"/api/v1/publications/{pub.pk}/retry/", {"vk_mode": "video"}, format="json")

    assert answer.status_code == 409
    assert "Клип уже загружен" in answer.json()["detail"]


def test_a_plain_retry_still_needs_no_body(api, clip, connected):
    pub = PublicationFactory(clip=clip, status=PublicationStatus.FAILED, vk_mode="clip")

    answer = api.post(f"/api/v1/publications/{pub.pk}/retry/")

    assert answer.status_code == 200
    assert answer.json()["vk_mode"] == "clip"


def test_a_vk_places_default_mode_is_read_and_changed_in_the_destinations_api(api, clip, connected):
    page = connected[Platform.VK].destinations.get()

    listed = {d["id"]: d for d in api.get("/api/v1/destinations/").json()}
    changed = api.patch(
        f"/api/v1/destinations/{page.pk}/",
        {"vk_mode": "video", "vk_wallpost": False},
        format="json",
    )

    assert (listed[page.pk]["vk_mode"], listed[page.pk]["vk_wallpost"]) == ("clip", True)
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["vk_mode"], changed.json()["vk_wallpost"]) == ("video", False)
    telegram = connected[Platform.TELEGRAM].destinations.get()
    assert listed[telegram.pk]["vk_mode"] is None
