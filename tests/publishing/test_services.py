"""The user's commands (``publishing.services``): publish, cancel, retry, disconnect.

The platforms are scripted fakes (``fake`` and ``fake2``); connections are ordinary rows.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms.models import ConnectionStatus, PlatformConnection
from publishing.attempt import publication_execute
from publishing.models import Publication, PublicationStatus
from publishing.queue import publish_task_name
from publishing.selectors import publication_pending_count
from publishing.services import (
    PublicationConflict,
    PublicationStateError,
    PublicationValidationError,
    connection_disconnect,
    publication_cancel,
    publication_cancel_for_disconnect,
    publication_create,
    publication_retry,
)
from tests.factories import ClipFactory, PlatformConnectionFactory, PublicationFactory, UserFactory

from .support import handle_json, queued, reload, uploaded_handle_json

pytestmark = pytest.mark.usefixtures("engine_settings", "broker")


# --- publication_create ----------------------------------------------------------------------


def test_create_queues_one_publication_per_platform(fake, fake2, user, clip, connection):
    PlatformConnectionFactory(user=user, platform=fake2.name)

    pubs = publication_create(
        user=user, clip=clip, platforms=[fake.name, fake2.name], title="Мой клип"
    )

    assert [(p.platform, p.status, p.title) for p in pubs] == [
        ("fake", "queued", "Мой клип"),
        ("fake2", "queued", "Мой клип"),
    ]
    for pub in pubs:
        assert pub.queued_at and pub.next_attempt_at and pub.enqueued_at
        assert pub.bytes_total == clip.size_bytes
        assert pub.description == clip.description
        assert pub.created_by == user
    assert fake.calls == [] and fake2.calls == []  # the workers publish, not the request


def test_create_without_a_title_takes_the_clips(fake, user, clip, connection):
    [pub] = publication_create(user=user, clip=clip, platforms=[fake.name], title="  ")

    assert (pub.title, pub.description) == (clip.title, clip.description)


@pytest.mark.django_db(transaction=True)
def test_create_sends_each_row_to_its_platforms_queue_once_committed(fake, fake2, broker):
    user = UserFactory(plan=Plan.PRO)
    clip = ClipFactory(owner=user)
    for platform in (fake.name, fake2.name):
        PlatformConnectionFactory(user=user, platform=platform)

    pubs = publication_create(user=user, clip=clip, platforms=[fake.name, fake2.name])

    assert [(m.name, m.args, m.queue) for m in broker] == [
        (publish_task_name("fake"), [pubs[0].pk], "fake"),
        (publish_task_name("fake2"), [pubs[1].pk], "fake2"),
    ]


def test_create_with_a_time_schedules_without_queueing(fake, user, clip, connection, broker):
    at = timezone.now() + timedelta(hours=2)

    [pub] = publication_create(user=user, clip=clip, platforms=[fake.name], scheduled_at=at)

    assert pub.status == PublicationStatus.SCHEDULED
    assert pub.scheduled_at == at
    assert pub.queued_at is None and pub.enqueued_at is None
    assert broker == []


def test_create_refuses_a_time_more_than_a_year_ahead(fake, user, clip, connection):
    with pytest.raises(PublicationValidationError) as exc:
        publication_create(
            user=user,
            clip=clip,
            platforms=[fake.name],
            scheduled_at=timezone.now() + timedelta(days=400),
        )

    assert exc.value.errors == {
        "scheduled_at": [
            "Запланировать можно не дальше чем на год вперёд. Выберите более близкую дату."
        ]
    }
    assert Publication.objects.count() == 0


def test_create_writes_nothing_when_one_platform_fails(fake, fake2, user, clip, connection):
    with pytest.raises(PublicationValidationError) as exc:
        publication_create(user=user, clip=clip, platforms=[fake.name, fake2.name])

    assert exc.value.errors == {"fake2": ["Подключите Фейк-2 в настройках."]}
    assert not isinstance(exc.value, PublicationConflict)
    assert Publication.objects.count() == 0


def test_create_while_one_is_in_flight_is_a_conflict(fake, user, clip, connection):
    publication_create(user=user, clip=clip, platforms=[fake.name])

    with pytest.raises(PublicationConflict) as exc:
        publication_create(user=user, clip=clip, platforms=[fake.name])

    assert "уже запланирован или публикуется в Фейк" in exc.value.errors["fake"][0]
    assert Publication.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_publish_requests_at_once_create_one_publication(fake, broker):
    user = UserFactory(plan=Plan.PRO)
    clip = ClipFactory(owner=user)
    PlatformConnectionFactory(user=user, platform=fake.name)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def publish() -> None:
        try:
            barrier.wait()
            publication_create(user=user, clip=clip, platforms=[fake.name])
            outcomes.append("created")
        except PublicationConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "created"]
    assert Publication.objects.filter(clip=clip).count() == 1
    assert len(broker) == 1  # one message: the loser's rows were never committed


# --- cancel --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [PublicationStatus.SCHEDULED, PublicationStatus.QUEUED])
def test_scheduled_and_queued_publications_can_be_cancelled(fake, clip, status):
    pub = PublicationFactory(clip=clip, platform=fake.name, status=status)

    pub = publication_cancel(publication=pub)

    assert pub.status == PublicationStatus.CANCELLED
    assert pub.finished_at is not None
    assert pub.error_message == ""


def test_cancelling_an_upload_in_progress_marks_it_to_stop_at_its_next_step(fake, clip):
    pub = PublicationFactory(
        clip=clip, platform=fake.name, status=PublicationStatus.PUBLISHING, claim_token=uuid.uuid4()
    )

    pub = publication_cancel(publication=pub)

    assert pub.status == PublicationStatus.PUBLISHING
    assert pub.cancel_requested_at is not None


def test_a_publication_the_platform_is_processing_cannot_be_cancelled(fake, clip):
    pub = PublicationFactory(
        clip=clip,
        platform=fake.name,
        status=PublicationStatus.PUBLISHING,
        platform_handle=uploaded_handle_json(),
    )

    with pytest.raises(PublicationStateError, match="обрабатывается"):
        publication_cancel(publication=pub)


@pytest.mark.parametrize(
    "status", [PublicationStatus.PUBLISHED, PublicationStatus.FAILED, PublicationStatus.CANCELLED]
)
def test_a_finished_publication_cannot_be_cancelled(fake, clip, status):
    pub = PublicationFactory(clip=clip, platform=fake.name, status=status)

    with pytest.raises(PublicationStateError):
        publication_cancel(publication=pub)
    assert reload(pub).status == status


@pytest.mark.parametrize(
    ("handle", "bytes_sent", "cancellable"),
    [
        (None, 0, True),
        (handle_json(), 0, True),  # created, no bytes yet: an empty video at most
        (handle_json(), 40, True),  # part of the clip: the platform cannot publish it
        (handle_json(), 100, False),  # the whole clip went out
        (uploaded_handle_json(), 0, False),  # the platform confirmed the upload
    ],
)
def test_cancel_refuses_only_what_the_platform_may_have(
    fake, clip, handle, bytes_sent, cancellable
):
    pub = queued(clip, attempts=1, platform_handle=handle, bytes_sent=bytes_sent, bytes_total=100)

    if cancellable:
        assert publication_cancel(publication=pub).status == PublicationStatus.CANCELLED
        assert reload(pub).error_message == ""  # no «повторится автоматически» left behind
    else:
        with pytest.raises(PublicationStateError, match="возможно, уже передан в Фейк"):
            publication_cancel(publication=pub)
        assert reload(pub).status == PublicationStatus.QUEUED


# --- retry ---------------------------------------------------------------------------------------


def test_retry_queues_a_failed_publication_with_fresh_attempts(fake, clip, broker):
    pub = PublicationFactory(
        clip=clip,
        platform=fake.name,
        status=PublicationStatus.FAILED,
        attempts=4,
        error_message="Ошибка",
        platform_handle=uploaded_handle_json(),
    )

    pub = publication_retry(publication=pub)

    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 0
    assert pub.error_message == "" and pub.error_code == ""
    assert pub.next_attempt_at is not None
    assert pub.platform_handle == uploaded_handle_json()  # the next attempt checks it first


@pytest.mark.parametrize("status", [PublicationStatus.QUEUED, PublicationStatus.PUBLISHED])
def test_only_a_failed_publication_can_be_retried(fake, clip, status):
    pub = PublicationFactory(clip=clip, platform=fake.name, status=status)

    with pytest.raises(PublicationStateError):
        publication_retry(publication=pub)
    assert reload(pub).status == status


def test_a_video_rejected_by_moderation_cannot_be_retried(fake, clip):
    pub = PublicationFactory(
        clip=clip,
        platform=fake.name,
        status=PublicationStatus.FAILED,
        error_code="rejected",
        error_message="Фейк отклонил видео на модерации.",
    )

    with pytest.raises(PublicationStateError, match="повтор не поможет"):
        publication_retry(publication=pub)
    assert reload(pub).status == PublicationStatus.FAILED


def test_a_failure_on_a_platform_the_plan_no_longer_allows_cannot_be_retried(fake, clip, user):
    pub = PublicationFactory(clip=clip, platform=fake.name, status=PublicationStatus.FAILED)
    user.plan = Plan.FREE
    user.save()

    with pytest.raises(PublicationStateError, match="недоступна на тарифе Free"):
        publication_retry(publication=pub)
    assert reload(pub).status == PublicationStatus.FAILED


def test_a_publication_cancelled_for_a_downgrade_stays_cancelled(fake, clip, user, connection):
    pub = queued(clip)
    user.plan = Plan.FREE
    user.save()
    publication_execute(publication_id=pub.pk)

    with pytest.raises(PublicationStateError):
        publication_retry(publication=reload(pub))
    assert reload(pub).status == PublicationStatus.CANCELLED


# --- disconnect ---------------------------------------------------------------------------------


def test_disconnect_cancels_scheduled_and_queued_publications_of_that_platform(fake, fake2, user):
    clips = ClipFactory.create_batch(4, owner=user)
    scheduled = PublicationFactory(
        clip=clips[0], platform=fake.name, status=PublicationStatus.SCHEDULED
    )
    PublicationFactory(clip=clips[1], platform=fake.name, status=PublicationStatus.QUEUED)
    done = PublicationFactory(clip=clips[2], platform=fake.name, status=PublicationStatus.PUBLISHED)
    other = PublicationFactory(clip=clips[3], platform=fake2.name)

    assert publication_pending_count(user=user, platform=fake.name) == 2
    assert publication_cancel_for_disconnect(user=user, platform=fake.name) == 2

    assert publication_pending_count(user=user, platform=fake.name) == 0
    assert reload(scheduled).error_message == "Отменено: Фейк отключён от КлипМейкера."
    assert reload(done).status == PublicationStatus.PUBLISHED
    assert reload(other).status == PublicationStatus.QUEUED


def test_disconnect_asks_a_running_upload_to_stop(fake, clip):
    running = PublicationFactory(
        clip=clip, platform=fake.name, status=PublicationStatus.PUBLISHING, claim_token=uuid.uuid4()
    )

    assert publication_cancel_for_disconnect(user=clip.owner, platform=fake.name) == 0

    running = reload(running)
    assert running.status == PublicationStatus.PUBLISHING
    assert running.cancel_requested_at is not None


def test_a_disconnect_leaves_a_retry_of_a_delivered_clip_to_end_with_that_message(
    fake, clip, connection
):
    waiting = queued(clip, attempts=1, platform_handle=uploaded_handle_json())
    plain = queued(ClipFactory(owner=clip.owner))

    cancelled = publication_cancel_for_disconnect(user=clip.owner, platform=fake.name)
    connection.status = ConnectionStatus.REVOKED
    connection.save()
    publication_execute(publication_id=waiting.pk)

    assert cancelled == 1
    assert reload(plain).status == PublicationStatus.CANCELLED
    waiting = reload(waiting)
    assert (waiting.status, waiting.error_code) == ("failed", "disconnected_after_upload")
    assert fake.calls == []


def test_connection_disconnect_revokes_the_tokens_and_cancels_in_one_step(
    fake, user, clip, connection
):
    pub = queued(clip)

    assert connection_disconnect(user=user, platform=fake.name) == 1

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED
    assert connection.get_token("access_token") is None
    assert reload(pub).status == PublicationStatus.CANCELLED


def test_disconnecting_a_platform_that_is_not_connected_is_refused(fake, user):
    with pytest.raises(PlatformConnection.DoesNotExist):
        connection_disconnect(user=user, platform=fake.name)
