"""The engine and destinations: each publication goes to its own place with the connection's
credentials aimed there (VK ``group_id``, Telegram ``chat_id``), places are re-checked when an
attempt starts, rate limits apply per credential and, for Telegram, per channel."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms.constants import Platform
from platforms.models import Destination
from platforms.sandbox.demo import connect_demo_user
from platforms.selectors import destinations_in_order
from publishing import ratelimit
from publishing.attempt import publication_execute
from publishing.models import Publication, PublicationStatus
from publishing.processing import publication_check
from publishing.services import connection_disconnect, publication_create
from tests.factories import (
    ClipFactory,
    DestinationFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    UserFactory,
)


def _run(publication: Publication) -> Publication:
    """One attempt, then processing checks until the platform says it is done."""
    publication_execute(publication_id=publication.pk)
    for _ in range(20):
        publication.refresh_from_db()
        if publication.status != PublicationStatus.PUBLISHING:
            break
        Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())
        publication_check(publication_id=publication.pk)
    return publication


@pytest.mark.live
def test_one_clip_goes_to_six_places_each_in_its_own_place(sandbox, settings):
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    sandbox.control.set_processing_seconds(0)
    user = UserFactory(plan=Plan.PRO)
    connect_demo_user(user)
    places = destinations_in_order(user=user)
    clip = ClipFactory(owner=user)

    pubs = publication_create(user=user, clip=clip, destinations=[d.pk for d in places])
    done = [_run(p) for p in pubs]

    assert [p.status for p in done] == ["published"] * 6, [p.error_message for p in done]
    assert len({p.platform_url for p in done}) == 6
    page, community, _rutube, _dzen, first, second = places
    by_place = {p.destination_id: p for p in done}
    vk_owners = {v["owner_id"] for v in sandbox.control.videos("vk")}
    assert vk_owners == {int(page.external_id), -community.extra["group_id"]}
    # The demo page publishes Клипы; the demo community, videos with a wall post.
    assert f"/clip{page.external_id}_" in by_place[page.pk].platform_url
    assert f"/wall-{community.extra['group_id']}_" in by_place[community.pk].platform_url
    chats = sorted(v["owner_id"] for v in sandbox.control.videos("telegram"))
    assert chats == sorted([first.extra["chat_id"], second.extra["chat_id"]])
    # One send per place: nothing posted twice.
    sent = [e["method"] for e in sandbox.control.journal()]
    assert (sent.count("shortVideo.create"), sent.count("sendVideo")) == (1, 2)
    assert (sent.count("video.save"), sent.count("wall.post")) == (1, 1)


@pytest.mark.django_db
def test_a_place_s_settings_win_over_the_connections():
    connection = PlatformConnectionFactory(
        platform=Platform.TELEGRAM, extra={"bot_id": 7, "chat_id": -100111, "chat_username": "old"}
    )
    other = DestinationFactory(connection=connection, external_id="-100222", name="Второй")

    credentials = other.credentials()

    assert credentials.extra == {"bot_id": 7, "chat_id": -100222, "chat_username": ""}
    assert credentials.access_token == "access-token-value"


@pytest.mark.django_db
def test_a_vk_page_never_inherits_a_community_from_the_connection():
    connection = PlatformConnectionFactory(
        platform=Platform.VK, account_id="42", extra={"device_id": "d", "group_id": 555}
    )
    page = Destination.objects.create(connection=connection, kind="page", external_id="page-42")

    assert page.credentials().extra == {"device_id": "d"}


# --- re-checked when an attempt starts -------------------------------------------------------


@pytest.fixture
def _no_limits(settings):  # type: ignore[no-untyped-def]
    settings.PLATFORM_RATE_LIMITS_ENABLED = False


def _connected_publication() -> Publication:
    user = UserFactory(plan=Plan.PRO)
    PlatformConnectionFactory(user=user, platform=Platform.RUTUBE)
    return PublicationFactory(clip=ClipFactory(owner=user), platform=Platform.RUTUBE)


@pytest.mark.django_db
@pytest.mark.usefixtures("_no_limits")
def test_an_attempt_on_a_switched_off_place_fails_saying_so():
    pub = _connected_publication()
    Destination.objects.filter(pk=pub.destination_id).update(enabled=False, name="Канал")

    publication_execute(publication_id=pub.pk)

    pub.refresh_from_db()
    assert (pub.status, pub.error_code) == (PublicationStatus.FAILED, "destination_disabled")
    assert "выключено" in pub.error_message


@pytest.mark.django_db
@pytest.mark.usefixtures("_no_limits")
def test_an_attempt_on_a_removed_place_fails_and_cannot_be_retried():
    pub = _connected_publication()
    Destination.objects.filter(pk=pub.destination_id).update(removed_at=timezone.now())

    publication_execute(publication_id=pub.pk)

    pub.refresh_from_db()
    assert (pub.status, pub.error_code) == (PublicationStatus.FAILED, "destination_removed")
    from publishing.rules import retry_refusal

    assert "удалено" in (retry_refusal(pub) or "")


@pytest.mark.django_db
@pytest.mark.usefixtures("_no_limits")
def test_an_attempt_beyond_a_lowered_number_of_places_is_cancelled():
    user = UserFactory(plan=Plan.PRO)
    first = PlatformConnectionFactory(user=user, platform=Platform.RUTUBE).destinations.get()
    second = DestinationFactory(connection=first.connection, external_id="two")
    pub = PublicationFactory(clip=ClipFactory(owner=user), destination=second)
    user.destination_limit = 1
    user.save()

    publication_execute(publication_id=pub.pk)

    pub.refresh_from_db()
    assert pub.status == PublicationStatus.CANCELLED
    assert "мест публикации больше, чем он позволяет (1)" in pub.error_message


@pytest.mark.django_db
def test_disconnecting_one_bot_cancels_only_its_channels():
    user = UserFactory(plan=Plan.PRO)
    bot_a = PlatformConnectionFactory(user=user, platform=Platform.TELEGRAM)
    bot_b = PlatformConnectionFactory(user=user, platform=Platform.TELEGRAM)
    a = PublicationFactory(
        clip=ClipFactory(owner=user),
        destination=bot_a.destinations.get(),
        status=PublicationStatus.SCHEDULED,
    )
    b = PublicationFactory(
        clip=ClipFactory(owner=user),
        destination=bot_b.destinations.get(),
        status=PublicationStatus.SCHEDULED,
    )

    assert connection_disconnect(user=user, connection_id=bot_a.pk) == 1

    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (PublicationStatus.CANCELLED, PublicationStatus.SCHEDULED)
    assert bot_a.destinations.get().removed_at is not None
    assert bot_b.destinations.get().removed_at is None


# --- rate limits per credential and per channel ------------------------------------------------


@pytest.fixture
def _limits(settings, db):  # type: ignore[no-untyped-def]
    settings.PLATFORM_RATE_LIMITS_ENABLED = True


@pytest.mark.usefixtures("_limits")
def test_one_bot_posts_to_two_channels_at_once_but_not_twice_to_one():
    bot, one, two = (uuid.uuid4().hex for _ in range(3))
    for place in (one, two):
        ratelimit.reset(platform=Platform.TELEGRAM, account=bot, destination=place)

    first = ratelimit.acquire(platform=Platform.TELEGRAM, account=bot, destination=one)
    other_channel = ratelimit.acquire(platform=Platform.TELEGRAM, account=bot, destination=two)
    same_channel = ratelimit.acquire(platform=Platform.TELEGRAM, account=bot, destination=one)

    assert (first, other_channel) == (0, 0)
    assert 0 < same_channel <= 1.0  # about one message a second per chat


@pytest.mark.usefixtures("_limits")
def test_a_bot_shares_one_bucket_across_its_channels():
    bot = uuid.uuid4().hex
    places = [uuid.uuid4().hex for _ in range(31)]
    ratelimit.reset(platform=Platform.TELEGRAM, account=bot)

    waits = [
        ratelimit.acquire(platform=Platform.TELEGRAM, account=bot, destination=p) for p in places
    ]

    assert waits[:30] == [0.0] * 30  # the bot's 30 a second, each to its own channel
    assert waits[30] > 0


@pytest.mark.usefixtures("_limits")
def test_a_refused_place_takes_nothing_from_the_bots_bucket():
    bot, busy = uuid.uuid4().hex, uuid.uuid4().hex
    ratelimit.reset(platform=Platform.RUTUBE, account=bot)
    ratelimit.reset(platform=Platform.TELEGRAM, account=bot, destination=busy)
    assert ratelimit.acquire(platform=Platform.TELEGRAM, account=bot, destination=busy) == 0

    refused = [
        ratelimit.acquire(platform=Platform.TELEGRAM, account=bot, destination=busy)
        for _ in range(40)
    ]

    assert all(wait > 0 for wait in refused)
    # The 40 refusals spent none of the bot's 30 a second: 29 are still there.
    others = [
        ratelimit.acquire(platform=Platform.TELEGRAM, account=bot, destination=uuid.uuid4().hex)
        for _ in range(29)
    ]
    assert others == [0.0] * 29


@pytest.mark.usefixtures("_limits")
def test_vk_places_share_the_tokens_bucket():
    token = uuid.uuid4().hex
    ratelimit.reset(platform=Platform.VK, account=token)

    waits = [
        ratelimit.acquire(platform=Platform.VK, account=token, destination=place)
        for place in ("page", "community", "page", "community")
    ]

    assert waits[:3] == [0.0] * 3 and waits[3] > 0  # 3 a second per user token
