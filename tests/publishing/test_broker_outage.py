"""Redis down: nobody hangs, nothing is lost, and the rows go out on the next tick once it is back.

Against a private ``redis-server`` this test starts and stops (cache, throttles, broker and
result backend all on it), never the shared one.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from clipmaker.shared_state import SERVICE_UNAVAILABLE_MESSAGE
from platforms.constants import Platform
from publishing.models import Publication, PublicationStatus
from publishing.services import publication_create, publication_retry
from publishing.sweeps import publications_dispatch_due
from tests.factories import ClipFactory, PlatformConnectionFactory, UserFactory
from tests.fixtures.redis_server import RedisServer, pointed_at, private_redis  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

# What the issue promises a caller while Redis is down.
ANSWER_WITHIN = 2.0


@pytest.fixture
def outage(private_redis: RedisServer, settings: Any) -> Any:  # noqa: F811
    with pointed_at(private_redis, settings):
        yield private_redis


@pytest.fixture
def owner() -> Any:
    user = UserFactory()
    for platform in (Platform.VK, Platform.DZEN):
        PlatformConnectionFactory(user=user, platform=platform)
    return user


def _timed(fn: Any) -> tuple[Any, float]:
    started = time.monotonic()
    value = fn()
    return value, time.monotonic() - started


def _queue_length(server: RedisServer, name: str) -> int:
    return int(server.client().llen(name))


def test_publish_api_answers_503_in_russian_at_once_and_creates_nothing(outage, owner):
    clip = ClipFactory(owner=owner)
    api = APIClient()
    _, token = AuthToken.objects.create(user=owner)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    outage.stop()

    response, seconds = _timed(
        lambda: api.post(f"/api/v1/clips/{clip.pk}/publish/", {"platforms": ["vk"]}, format="json")
    )

    assert response.status_code == 503
    assert response.json() == {"detail": SERVICE_UNAVAILABLE_MESSAGE}
    assert SERVICE_UNAVAILABLE_MESSAGE.startswith("Сервис временно недоступен")
    assert response["Retry-After"]
    assert seconds < ANSWER_WITHIN
    assert not Publication.objects.filter(clip=clip).exists()


def test_the_publish_page_answers_503_too(outage, owner, client):
    clip = ClipFactory(owner=owner)
    client.force_login(owner)
    outage.stop()

    response, seconds = _timed(
        lambda: client.post(f"/clips/{clip.pk}/publish/", {"destinations": []})
    )

    assert response.status_code == 503
    assert SERVICE_UNAVAILABLE_MESSAGE in response.content.decode()
    assert seconds < ANSWER_WITHIN


def test_service_returns_at_once_rows_committed_and_sent_on_the_next_tick_after(outage, owner):
    clip = ClipFactory(owner=owner)
    outage.stop()

    created, seconds = _timed(
        lambda: publication_create(user=owner, clip=clip, platforms=["vk", "dzen"])
    )

    assert seconds < ANSWER_WITHIN
    rows = Publication.objects.filter(pk__in=[p.pk for p in created])
    assert sorted(rows.values_list("status", flat=True)) == [PublicationStatus.QUEUED] * 2
    # The message never left: the row does not pretend it was sent, so the next tick (not the
    # redelivery window, minutes later) sends it.
    assert list(rows.values_list("enqueued_at", flat=True)) == [None, None]

    outage.start()  # back, and empty
    publications_dispatch_due()

    assert all(rows.values_list("enqueued_at", flat=True))
    assert _queue_length(outage, "vk") == 1
    assert _queue_length(outage, "dzen") == 1


def test_a_dispatcher_tick_that_cannot_send_leaves_the_rows_for_the_next_one(outage, owner):
    clip = ClipFactory(owner=owner)
    [publication] = publication_create(user=owner, clip=clip, platforms=["vk"])
    Publication.objects.filter(pk=publication.pk).update(enqueued_at=None)
    outage.client().delete("vk")
    outage.stop()

    _, seconds = _timed(publications_dispatch_due)

    assert seconds < ANSWER_WITHIN
    assert Publication.objects.get(pk=publication.pk).enqueued_at is None
    outage.start()
    assert publications_dispatch_due() == 1
    assert _queue_length(outage, "vk") == 1


def test_retry_returns_at_once_while_redis_is_down(outage, owner):
    clip = ClipFactory(owner=owner)
    [publication] = publication_create(user=owner, clip=clip, platforms=["vk"])
    Publication.objects.filter(pk=publication.pk).update(
        status=PublicationStatus.FAILED, enqueued_at=None, error_message="x"
    )
    publication.refresh_from_db()
    outage.stop()

    _, seconds = _timed(lambda: publication_retry(publication=publication))

    assert seconds < ANSWER_WITHIN
    row = Publication.objects.get(pk=publication.pk)
    assert (row.status, row.enqueued_at) == (PublicationStatus.QUEUED, None)
