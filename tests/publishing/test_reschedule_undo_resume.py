"""The user's second thoughts (``publishing.services`` and ``publishing.cancel_undo``): move a
scheduled publication, take a cancel back within seconds, and bring back what a disconnect
cancelled once the platform is connected again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms.models import ConnectionStatus, Destination
from publishing import rules
from publishing.cancel_undo import publication_cancel_with_undo, publication_uncancel
from publishing.models import PublicationStatus
from publishing.queue import publish_task_name
from publishing.services import (
    PublicationStateError,
    PublicationValidationError,
    connection_disconnect,
    publication_reschedule,
    publication_retry,
)
from publishing.sweeps import publications_dispatch_due
from tests.factories import PlatformConnectionFactory, PublicationFactory, UserFactory

from .support import queued, reload

pytestmark = pytest.mark.usefixtures("engine_settings", "broker")


def scheduled(clip, fake, *, in_hours: float = 2):  # type: ignore[no-untyped-def]
    when = (timezone.now() + timedelta(hours=in_hours)).replace(microsecond=0)
    return PublicationFactory(
        clip=clip, platform=fake.name, status=PublicationStatus.SCHEDULED, scheduled_at=when
    )


# --- reschedule ------------------------------------------------------------------------------


def test_reschedule_moves_only_the_time(fake, clip, connection, caplog):
    pub = scheduled(clip, fake)
    when = (timezone.now() + timedelta(days=3)).replace(microsecond=0)

    moved = publication_reschedule(publication=pub, scheduled_at=when)

    assert moved.status == PublicationStatus.SCHEDULED
    assert moved.scheduled_at == when
    assert reload(pub).scheduled_at == when


@pytest.mark.parametrize(
    ("delta", "message"),
    [
        (timedelta(minutes=-5), "уже прошло"),
        (timedelta(days=366), "не дальше чем на год"),
    ],
)
def test_reschedule_refuses_what_creating_refuses(fake, clip, connection, delta, message):
    pub = scheduled(clip, fake)
    before = reload(pub).scheduled_at

    with pytest.raises(PublicationValidationError) as exc:
        publication_reschedule(publication=pub, scheduled_at=timezone.now() + delta)

    assert message in " ".join(exc.value.errors["scheduled_at"])
    assert reload(pub).scheduled_at == before


def test_reschedule_checks_the_plan(fake, clip, connection, user):
    pub = scheduled(clip, fake)
    user.plan = Plan.FREE
    user.save()

    with pytest.raises(PublicationValidationError) as exc:
        publication_reschedule(publication=pub, scheduled_at=timezone.now() + timedelta(days=1))

    assert "недоступна на тарифе Free" in exc.value.errors["scheduled_at"][0]


def test_reschedule_checks_the_number_of_places(fake, clip, connection, user):
    pub = scheduled(clip, fake)
    user.destination_limit = 0
    user.save()

    with pytest.raises(PublicationValidationError) as exc:
        publication_reschedule(publication=pub, scheduled_at=timezone.now() + timedelta(days=1))

    assert "мест публикации больше" in exc.value.errors["scheduled_at"][0]


@pytest.mark.parametrize(
    "status",
    [PublicationStatus.QUEUED, PublicationStatus.PUBLISHED, PublicationStatus.CANCELLED],
)
def test_only_a_scheduled_publication_moves(fake, clip, connection, status):
    pub = PublicationFactory(clip=clip, platform=fake.name, status=status)

    with pytest.raises(PublicationStateError, match="только запланированную"):
        publication_reschedule(publication=pub, scheduled_at=timezone.now() + timedelta(days=1))
    assert reload(pub).status == status


# --- cancel and undo -------------------------------------------------------------------------


def test_undo_gives_a_scheduled_publication_back_its_time(fake, clip, connection, user):
    pub = scheduled(clip, fake)
    when = reload(pub).scheduled_at

    cancelled, ticket = publication_cancel_with_undo(publication=pub, user=user)
    assert cancelled.status == PublicationStatus.CANCELLED and ticket

    restored = publication_uncancel(user=user, ticket=ticket)

    assert restored.status == PublicationStatus.SCHEDULED
    assert restored.scheduled_at == when
    assert restored.finished_at is None


def test_undo_gives_a_waiting_retry_back_its_turn(fake, clip, connection, user, broker):
    later = timezone.now() + timedelta(minutes=10)
    pub = queued(clip, attempts=1, next_attempt_at=later, error_message="Повтор")

    _, ticket = publication_cancel_with_undo(publication=pub, user=user)
    restored = publication_uncancel(user=user, ticket=ticket)

    assert restored.status == PublicationStatus.QUEUED
    assert restored.next_attempt_at == later
    assert restored.attempts == 1
    assert restored.error_message == "Повтор"
    # The dispatcher sends it when it is due, not before.
    assert publications_dispatch_due() == 0
    assert publications_dispatch_due(now=later) == 1
    assert broker[-1].name == publish_task_name(fake.name)


def test_undo_is_refused_to_another_user(fake, clip, connection, user):
    pub = scheduled(clip, fake)
    _, ticket = publication_cancel_with_undo(publication=pub, user=user)

    with pytest.raises(PublicationStateError):
        publication_uncancel(user=UserFactory(plan=Plan.PRO), ticket=ticket)
    assert reload(pub).status == PublicationStatus.CANCELLED


def test_undo_is_refused_after_its_seconds(fake, clip, connection, user, monkeypatch):
    pub = scheduled(clip, fake)
    _, ticket = publication_cancel_with_undo(publication=pub, user=user)
    later = timezone.now().timestamp() + rules.UNDO_CANCEL_SECONDS + 30
    monkeypatch.setattr(signing.time, "time", lambda: later)

    with pytest.raises(PublicationStateError, match="уже нельзя"):
        publication_uncancel(user=user, ticket=ticket)
    assert reload(pub).status == PublicationStatus.CANCELLED


def test_a_forged_ticket_is_refused(fake, clip, connection, user):
    pub = scheduled(clip, fake)
    _, ticket = publication_cancel_with_undo(publication=pub, user=user)

    with pytest.raises(PublicationStateError):
        publication_uncancel(user=user, ticket=ticket[:-3] + "abc")


def test_undo_only_restores_the_cancel_it_was_offered_for(fake, clip, connection, user):
    pub = scheduled(clip, fake)
    _, ticket = publication_cancel_with_undo(publication=pub, user=user)
    publication_uncancel(user=user, ticket=ticket)
    publication_cancel_with_undo(publication=reload(pub), user=user)

    with pytest.raises(PublicationStateError):
        publication_uncancel(user=user, ticket=ticket)  # the first ticket, used already
    assert reload(pub).status == PublicationStatus.CANCELLED


def test_undo_is_refused_when_the_place_got_another_publication(fake, clip, connection, user):
    pub = scheduled(clip, fake)
    _, ticket = publication_cancel_with_undo(publication=pub, user=user)
    PublicationFactory(clip=clip, platform=fake.name, status=PublicationStatus.QUEUED)

    with pytest.raises(PublicationStateError, match="уже запланирован или публикуется"):
        publication_uncancel(user=user, ticket=ticket)
    assert reload(pub).status == PublicationStatus.CANCELLED


def test_a_cancel_requested_during_an_upload_offers_no_undo(fake, clip, connection, user):
    import uuid

    pub = PublicationFactory(
        clip=clip, platform=fake.name, status=PublicationStatus.PUBLISHING, claim_token=uuid.uuid4()
    )

    after, ticket = publication_cancel_with_undo(publication=pub, user=user)

    assert after.status == PublicationStatus.PUBLISHING and after.cancel_requested_at
    assert ticket is None


# --- «Повторить» after a disconnect ----------------------------------------------------------


def test_a_publication_cancelled_by_a_disconnect_comes_back_after_reconnecting(
    fake, clip, connection, user, broker, django_capture_on_commit_callbacks
):
    pub = scheduled(clip, fake)
    connection_disconnect(user=user, connection_id=connection.pk)
    pub = reload(pub)
    assert pub.status == PublicationStatus.CANCELLED
    assert pub.error_code == rules.DISCONNECTED_CODE
    assert not rules.publication_can_retry(pub)
    with pytest.raises(PublicationStateError, match="ещё не подключён снова"):
        publication_retry(publication=pub)

    # Reconnecting the same account revives the connection and its place.
    connection.status = ConnectionStatus.ACTIVE
    connection.save()
    Destination.objects.filter(pk=pub.destination_id).update(removed_at=None)
    pub = reload(pub)
    assert rules.publication_can_retry(pub)

    with django_capture_on_commit_callbacks(execute=True):
        pub = publication_retry(publication=pub)

    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 0 and pub.error_message == "" and pub.error_code == ""
    assert broker[-1].name == publish_task_name(fake.name)


def test_a_cancel_the_user_asked_for_is_not_brought_back_by_retry(fake, clip, connection, user):
    pub = scheduled(clip, fake)
    publication_cancel_with_undo(publication=pub, user=user)

    assert not rules.publication_can_retry(reload(pub))
    with pytest.raises(PublicationStateError, match="отменённую из-за отключения"):
        publication_retry(publication=reload(pub))


def test_a_disconnect_cancel_on_a_plan_without_the_platform_stays(fake, clip, connection, user):
    pub = scheduled(clip, fake)
    connection_disconnect(user=user, connection_id=connection.pk)
    PlatformConnectionFactory(user=user, platform=fake.name, account_id="other")
    user.plan = Plan.FREE
    user.save()

    with pytest.raises(PublicationStateError, match="тарифе Free"):
        publication_retry(publication=reload(pub))
