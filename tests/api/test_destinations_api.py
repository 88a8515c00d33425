"""API: destinations (shared/API.md "Additions") — listing places, publishing to them by id
(errors keyed ``destination:<id>``), the older ``platforms`` field for one place per platform,
renaming, switching off and removing places, disconnecting one connection."""

from __future__ import annotations

import pytest

from clipmaker.accounts.models import Plan
from platforms.constants import MB, Platform
from platforms.models import ConnectionStatus, Destination
from publishing.models import Publication, PublicationStatus
from tests.factories import (
    ClipFactory,
    DestinationFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CONTRACT = {"id", "platform", "connection_id", "kind", "name", "external_id", "enabled"}


@pytest.fixture
def places(connected):  # type: ignore[no-untyped-def]
    """One place per platform (the accounts' own), plus a VK community and a second
    Telegram channel: six in all."""
    own = {p: c.destinations.get() for p, c in connected.items()}
    community = DestinationFactory(
        connection=connected[Platform.VK], kind="community", external_id="-555", name="Кухня"
    )
    backup = DestinationFactory(connection=connected[Platform.TELEGRAM], name="Запасной")
    return {**own, "community": community, "backup": backup}


def _publish(api, clip, **body):  # type: ignore[no-untyped-def]
    return api.post(f"/api/v1/clips/{clip.pk}/publish/", body, format="json")


# --- listing ---------------------------------------------------------------------------------


def test_destinations_lists_the_callers_places_in_platform_order(api, places, user):
    DestinationFactory(connection=PlatformConnectionFactory(platform=Platform.VK))  # someone's

    response = api.get("/api/v1/destinations/")

    assert response.status_code == 200
    data = response.json()
    assert [d["platform"] for d in data] == ["vk", "vk", "rutube", "dzen", "telegram", "telegram"]
    for item in data:
        assert set(item) >= CONTRACT | {"allowed_by_plan"}
        assert item["allowed_by_plan"] is True
    community = next(d for d in data if d["id"] == places["community"].pk)
    assert (community["kind"], community["name"], community["external_id"]) == (
        "community",
        "Кухня",
        "-555",
    )
    assert community["connection_id"] == str(places["vk"].connection_id)
    assert community["label"] == "VK · Сообщество «Кухня»"


def test_places_beyond_the_plans_number_are_not_allowed(api, places, user):
    user.destination_limit = 4
    user.save()

    data = api.get("/api/v1/destinations/").json()

    allowed = [d["id"] for d in data if d["allowed_by_plan"]]
    # The four oldest places count; the community and the backup channel came later.
    assert sorted(allowed) == sorted(places[p].pk for p in ("vk", "rutube", "dzen", "telegram"))


def test_removed_places_and_revoked_connections_are_not_listed(api, places, connected):
    places["community"].removed_at = places["community"].created_at
    places["community"].save()
    connected[Platform.RUTUBE].status = ConnectionStatus.REVOKED
    connected[Platform.RUTUBE].save()

    ids = {d["id"] for d in api.get("/api/v1/destinations/").json()}

    assert places["community"].pk not in ids and places["rutube"].pk not in ids
    assert places["vk"].pk in ids


# --- publishing by destination ---------------------------------------------------------------


def test_publish_to_destinations_creates_one_publication_per_place(api, clip, places):
    ids = [places[k].pk for k in ("vk", "community", "telegram", "backup")]

    response = _publish(api, clip, destinations=ids)

    assert response.status_code == 201
    data = response.json()
    assert sorted(p["destination"]["id"] for p in data) == sorted(ids)
    community = next(p for p in data if p["destination"]["id"] == places["community"].pk)
    assert community["platform"] == "vk"
    assert community["destination"] == {
        "id": places["community"].pk,
        "name": "Кухня",
        "kind": "community",
        "label": "VK · Сообщество «Кухня»",
        "account_name": places["vk"].connection.account_name,
    }
    assert Publication.objects.filter(clip=clip, platform="vk").count() == 2
    assert Publication.objects.filter(clip=clip, platform="telegram").count() == 2


def test_errors_are_keyed_by_destination_and_nothing_is_created(api, user, places):
    big = ClipFactory(owner=user, size_bytes=60 * MB)
    ids = [places["vk"].pk, places["telegram"].pk, places["backup"].pk]

    response = _publish(api, big, destinations=ids)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {
        f"destination:{places['telegram'].pk}",
        f"destination:{places['backup'].pk}",
    }
    assert errors[f"destination:{places['backup'].pk}"] == [
        "Файл слишком большой для Telegram (максимум 50 МБ). Сократите или пережмите клип."
    ]
    assert not Publication.objects.exists()


def test_another_users_destination_reads_as_missing(api, clip, places):
    foreign = DestinationFactory(connection=PlatformConnectionFactory(platform=Platform.VK))

    response = _publish(api, clip, destinations=[places["vk"].pk, foreign.pk, 999999])

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {f"destination:{foreign.pk}", "destination:999999"}
    assert errors[f"destination:{foreign.pk}"] == errors["destination:999999"]
    assert not Publication.objects.exists()


def test_a_switched_off_place_is_refused_by_name(api, clip, places):
    places["backup"].enabled = False
    places["backup"].save()

    response = _publish(api, clip, destinations=[places["backup"].pk])

    assert response.status_code == 400
    (message,) = response.json()["errors"][f"destination:{places['backup'].pk}"]
    assert message.startswith("Место «Запасной» выключено.")


def test_one_active_publication_per_clip_and_place(api, clip, places):
    PublicationFactory(clip=clip, destination=places["vk"], status=PublicationStatus.QUEUED)

    conflict = _publish(api, clip, destinations=[places["vk"].pk])
    other_place = _publish(api, clip, destinations=[places["community"].pk])

    assert conflict.status_code == 409
    assert f"destination:{places['vk'].pk}" in conflict.json()["errors"]
    assert "VK · Страница «" in conflict.json()["detail"]
    # The same clip may go to another place of the same platform at the same time.
    assert other_place.status_code == 201


def test_destinations_and_platforms_together_are_refused(api, clip, places):
    response = _publish(api, clip, destinations=[places["vk"].pk], platforms=["vk"])

    assert response.status_code == 400
    assert "destinations" in response.json()["errors"]


def test_empty_destinations_ask_for_one(api, clip, places):
    response = _publish(api, clip, destinations=[])

    assert response.status_code == 400
    assert response.json()["errors"]["destinations"] == ["Укажите хотя бы одно место публикации."]


# --- the older ``platforms`` field -----------------------------------------------------------


def test_platforms_still_publish_for_one_place_per_platform(api, clip, connected):
    response = _publish(api, clip, platforms=["vk", "telegram"])

    assert response.status_code == 201
    by_platform = {p["platform"]: p["destination"]["id"] for p in response.json()}
    assert by_platform == {
        "vk": connected[Platform.VK].destinations.get().pk,
        "telegram": connected[Platform.TELEGRAM].destinations.get().pk,
    }


def test_platforms_with_several_places_ask_for_destinations(api, clip, places):
    response = _publish(api, clip, platforms=["vk", "rutube"])

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["vk"]
    assert "несколько мест в VK" in errors["vk"][0]
    assert "destinations" in errors["vk"][0]
    assert not Publication.objects.exists()


def test_platforms_pick_the_one_place_left_on(api, clip, places):
    places["community"].enabled = False
    places["community"].save()

    response = _publish(api, clip, platforms=["vk"])

    assert response.status_code == 201
    assert response.json()[0]["destination"]["id"] == places["vk"].pk


def test_platform_errors_stay_keyed_by_platform(api, user, connected):
    big = ClipFactory(owner=user, size_bytes=60 * MB)
    connected[Platform.RUTUBE].delete()

    response = _publish(api, big, platforms=["vk", "telegram", "rutube"])

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"telegram", "rutube"}
    assert errors["rutube"] == ["Подключите Rutube в настройках."]


# --- plans -----------------------------------------------------------------------------------


def test_start_plan_publishes_to_one_vk_place(api, clip, places, user):
    user.plan = Plan.START
    user.save()

    first = _publish(api, clip, destinations=[places["vk"].pk])
    second = _publish(api, ClipFactory(owner=user), destinations=[places["community"].pk])

    assert first.status_code == 201
    assert second.status_code == 400
    (message,) = second.json()["errors"][f"destination:{places['community'].pk}"]
    assert "не больше чем в 1 мест" in message


def test_support_can_raise_a_users_number_of_places(api, clip, places, user):
    user.plan = Plan.START
    user.destination_limit = 2
    user.save()

    response = _publish(api, clip, destinations=[places["vk"].pk, places["community"].pk])

    assert response.status_code == 201


# --- changing places ---------------------------------------------------------------------------


def test_rename_locally_keeps_the_platforms_name(api, places):
    url = f"/api/v1/destinations/{places['community'].pk}/"

    renamed = api.patch(url, {"name": "  Рецепты  "}, format="json")
    reset = api.patch(url, {"name": ""}, format="json")

    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["platform_name"]) == ("Рецепты", "Кухня")
    assert reset.json()["name"] == "Кухня"


def test_switching_a_place_off_cancels_what_waits_for_it(api, user, places):
    waiting = PublicationFactory(
        clip=ClipFactory(owner=user), destination=places["backup"], status=PublicationStatus.QUEUED
    )
    elsewhere = PublicationFactory(
        clip=ClipFactory(owner=user),
        destination=places["telegram"],
        status=PublicationStatus.QUEUED,
    )
    url = f"/api/v1/destinations/{places['backup'].pk}/"

    off = api.patch(url, {"enabled": False}, format="json")
    on = api.patch(url, {"enabled": True}, format="json")

    assert off.status_code == 200 and off.json()["enabled"] is False
    assert on.json()["enabled"] is True
    waiting.refresh_from_db()
    assert waiting.status == PublicationStatus.CANCELLED
    assert "«Запасной» выключено" in waiting.error_message
    elsewhere.refresh_from_db()
    assert elsewhere.status == PublicationStatus.QUEUED


def test_removing_a_place_keeps_its_publications_history(api, user, places):
    done = PublicationFactory(
        clip=ClipFactory(owner=user),
        destination=places["community"],
        status=PublicationStatus.PUBLISHED,
        platform_url="https://vk.com/clip-555_1",
    )
    waiting = PublicationFactory(
        clip=ClipFactory(owner=user),
        destination=places["community"],
        status=PublicationStatus.SCHEDULED,
    )

    response = api.delete(f"/api/v1/destinations/{places['community'].pk}/")

    assert response.json() == {"cancelled_publications": 1}
    assert api.get(f"/api/v1/destinations/{places['community'].pk}/").status_code == 404
    done.refresh_from_db()
    assert (done.status, done.platform_url) == (
        PublicationStatus.PUBLISHED,
        "https://vk.com/clip-555_1",
    )
    body = api.get(f"/api/v1/publications/{done.pk}/").json()
    assert body["destination"]["name"] == "Кухня"
    waiting.refresh_from_db()
    assert waiting.status == PublicationStatus.CANCELLED
    assert Destination.objects.filter(pk=places["community"].pk).exists()


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_users_place_is_404_like_a_missing_one(api, method):
    foreign = DestinationFactory(connection=PlatformConnectionFactory(platform=Platform.VK))
    call = getattr(api, method)

    for url in (f"/api/v1/destinations/{foreign.pk}/", "/api/v1/destinations/abc/"):
        response = call(url, {"enabled": False}, format="json") if method == "patch" else call(url)
        assert response.status_code == 404
        assert set(response.json()) == {"detail"}
    foreign.refresh_from_db()
    assert foreign.enabled and foreign.removed_at is None


def test_disconnecting_one_connection_leaves_the_others(api, user, connected, places):
    second_bot = PlatformConnectionFactory(user=user, platform=Platform.TELEGRAM)
    keep = PublicationFactory(
        clip=ClipFactory(owner=user),
        destination=second_bot.destinations.get(),
        status=PublicationStatus.SCHEDULED,
    )
    drop = PublicationFactory(
        clip=ClipFactory(owner=user), destination=places["backup"], status=PublicationStatus.QUEUED
    )

    response = api.delete(f"/api/v1/connections/{connected[Platform.TELEGRAM].pk}/")

    assert response.json() == {"cancelled_publications": 1}
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert (keep.status, drop.status) == (PublicationStatus.SCHEDULED, PublicationStatus.CANCELLED)
    ids = {d["id"] for d in api.get("/api/v1/destinations/").json()}
    assert second_bot.destinations.get().pk in ids
    assert places["backup"].pk not in ids and places["telegram"].pk not in ids
    assert api.delete(f"/api/v1/connections/{connected[Platform.TELEGRAM].pk}/").status_code == 404


def test_platforms_list_names_each_connection_and_its_places(api, user, connected, places):
    PlatformConnectionFactory(user=user, platform=Platform.TELEGRAM, account_name="@second_bot")

    rows = api.get("/api/v1/platforms/").json()

    telegram = [r for r in rows if r["platform"] == "telegram"]
    assert len(telegram) == 2
    first = next(r for r in telegram if r["connection_id"] == str(connected[Platform.TELEGRAM].pk))
    assert sorted(first["destinations"]) == sorted([places["telegram"].pk, places["backup"].pk])


def test_a_user_with_no_places_sees_an_empty_list(api):
    assert api.get("/api/v1/destinations/").json() == []


def test_free_plan_cannot_publish_anywhere(api, clip, places, user):
    user.plan = Plan.FREE
    user.save()

    data = api.get("/api/v1/destinations/").json()
    response = _publish(api, clip, destinations=[places["vk"].pk])

    assert not any(d["allowed_by_plan"] for d in data)
    assert response.status_code == 400
    assert "тарифе Free" in response.json()["errors"][f"destination:{places['vk'].pk}"][0]


def test_a_stranger_lists_nothing_of_the_owner(places):
    from rest_framework.test import APIClient

    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    assert stranger.get("/api/v1/destinations/").json() == []
