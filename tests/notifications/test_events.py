"""Which events make a notification, and that each makes exactly one.

Given a state change written where the engine writes it (a publication's ``failed`` edge, a
connection marked expired, a check that starts failing, a pasted token near its end), when the
transaction commits, then the user has one notification naming what happened, with a link to
where it is fixed; reporting the same event again adds nothing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from clipmaker.notifications.connection_events import notifications_warn_expiring
from clipmaker.notifications.models import EmailState, Notification, NotificationKind
from clipmaker.notifications.services import notification_preferences_update
from platforms import services as connection_services
from platforms.constants import Platform
from platforms.models import ConnectionStatus
from platforms.providers import PermanentError, TransientError
from publishing import transitions
from publishing.attempt import publication_execute
from publishing.models import Publication, PublicationStatus
from tests.factories import PlatformConnectionFactory, PublicationFactory
from tests.fixtures.fake_provider import fail

pytestmark = pytest.mark.usefixtures("enqueued")


def _fail(pub: Publication, message: str = "Платформа отказала.") -> bool:
    guard = Publication.objects.filter(pk=pub.pk, status=pub.status)
    return transitions.failed(guard, pub, message=message, code="test")


def test_a_publication_failing_for_good_notifies_its_owner_once(
    user, clip, django_capture_on_commit_callbacks, enqueued
):
    pub = PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.QUEUED)

    with django_capture_on_commit_callbacks(execute=True):
        assert _fail(pub, "Файл слишком большой.")

    [note] = Notification.objects.filter(user=user)
    assert note.kind == NotificationKind.PUBLICATION_FAILED
    assert note.message.startswith("Не удалось опубликовать «Мой клип» в VK")
    assert "Файл слишком большой." in note.message
    assert note.link == f"/clips/{clip.pk}/"
    assert note.read_at is None
    assert note.email_state == EmailState.PENDING
    assert enqueued == [user.pk]


def test_the_same_failure_reported_twice_makes_one_notification(
    user, clip, django_capture_on_commit_callbacks
):
    from clipmaker.notifications.publication_events import notification_publication_failed

    pub = PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.QUEUED)
    with django_capture_on_commit_callbacks(execute=True):
        _fail(pub)

    assert notification_publication_failed(publication_id=pub.pk) is None
    assert Notification.objects.filter(user=user).count() == 1


def test_a_failure_rolled_back_notifies_nobody(user, clip, django_capture_on_commit_callbacks):
    pub = PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.QUEUED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _fail(pub)

    assert len(callbacks) == 1  # registered for after the commit, not run inside it
    assert not Notification.objects.exists()


def test_a_retry_waiting_is_not_a_failure(user, clip, django_capture_on_commit_callbacks):
    pub = PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.PUBLISHING)
    guard = Publication.objects.filter(pk=pub.pk)

    with django_capture_on_commit_callbacks(execute=True):
        transitions.requeued(
            guard, pub, next_at=timezone.now(), message="Повтор", reason="transient"
        )

    assert not Notification.objects.exists()


def test_the_engine_failing_an_attempt_notifies(
    fake, user, clip, django_capture_on_commit_callbacks, monkeypatch
):
    from clipmaker.celery import app

    monkeypatch.setattr(app, "send_task", lambda *a, **k: None)
    PlatformConnectionFactory(user=user, platform=fake.name, account_id="123")
    fake.publish(fail(PermanentError("Фейк запретил доступ.", code=15)))
    now = timezone.now()
    pub = PublicationFactory(
        clip=clip, platform=fake.name, queued_at=now, next_attempt_at=now, enqueued_at=now
    )

    with django_capture_on_commit_callbacks(execute=True):
        publication_execute(publication_id=pub.pk)

    assert Publication.objects.get(pk=pub.pk).status == PublicationStatus.FAILED
    [note] = Notification.objects.filter(user=user)
    assert "Фейк запретил доступ." in note.message


def test_a_user_who_switched_the_list_off_gets_only_the_letter(
    user, clip, django_capture_on_commit_callbacks
):
    notification_preferences_update(user=user, in_app=False, email=True)
    pub = PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.QUEUED)

    with django_capture_on_commit_callbacks(execute=True):
        _fail(pub)

    note = Notification.objects.get(user=user)
    assert note.in_app is False
    assert note.email_state == EmailState.PENDING


def test_a_user_who_switched_both_off_gets_nothing(
    user, clip, django_capture_on_commit_callbacks, enqueued
):
    notification_preferences_update(user=user, in_app=False, email=False)
    pub = PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.QUEUED)

    with django_capture_on_commit_callbacks(execute=True):
        _fail(pub)

    assert not Notification.objects.exists()
    assert enqueued == []


def test_a_user_without_an_address_gets_no_letter(
    user, clip, django_capture_on_commit_callbacks, enqueued
):
    user.email = ""
    user.save()
    pub = PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.QUEUED)

    with django_capture_on_commit_callbacks(execute=True):
        _fail(pub)

    assert Notification.objects.get(user=user).email_state == EmailState.SKIPPED
    assert enqueued == []


# --- connections ------------------------------------------------------------------------------


def test_a_connection_expiring_notifies_once_however_often_it_is_marked(
    user, django_capture_on_commit_callbacks
):
    conn = PlatformConnectionFactory(user=user, platform=Platform.RUTUBE, account_name="Анна")

    with django_capture_on_commit_callbacks(execute=True):
        connection_services.connection_mark_expired(connection=conn, reason="401")
        connection_services.connection_mark_expired(connection=conn, reason="401 again")

    [note] = Notification.objects.filter(user=user)
    assert note.kind == NotificationKind.CONNECTION_EXPIRED
    assert note.message.startswith("Rutube: подключение «Анна» больше не работает")
    assert note.link == "/settings/platforms/#platform-rutube"
    assert PlatformConnectionFactory._meta.model.objects.get(pk=conn.pk).status == "expired"


def test_a_reconnected_connection_that_expires_again_notifies_again(
    user, django_capture_on_commit_callbacks
):
    conn = PlatformConnectionFactory(user=user, platform=Platform.RUTUBE)
    with django_capture_on_commit_callbacks(execute=True):
        connection_services.connection_mark_expired(connection=conn, reason="401")
    type(conn).objects.filter(pk=conn.pk).update(
        status=ConnectionStatus.ACTIVE, connected_at=timezone.now() + timedelta(seconds=1)
    )
    conn.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        connection_services.connection_mark_expired(connection=conn, reason="401")

    assert Notification.objects.filter(kind=NotificationKind.CONNECTION_EXPIRED).count() == 2


def test_a_check_that_starts_failing_asks_for_attention_once(
    fake, user, django_capture_on_commit_callbacks
):
    conn = PlatformConnectionFactory(
        user=user, platform=fake.name, account_id="1", account_name="Канал", last_check_ok=True
    )
    refusal = PermanentError("Бот больше не администратор канала.")
    fake.verify(refusal).verify(refusal)

    with django_capture_on_commit_callbacks(execute=True):
        ok, _ = connection_services.connection_test(connection=conn)
        connection_services.connection_test(connection=conn)

    assert ok is False
    [note] = Notification.objects.filter(user=user)
    assert note.kind == NotificationKind.CONNECTION_ATTENTION
    assert "Бот больше не администратор канала." in note.message


def test_a_platform_that_is_down_asks_for_no_attention(
    fake, user, django_capture_on_commit_callbacks
):
    conn = PlatformConnectionFactory(user=user, platform=fake.name, account_id="1")
    fake.verify(TransientError(status=503))

    with django_capture_on_commit_callbacks(execute=True):
        connection_services.connection_test(connection=conn)

    assert not Notification.objects.exists()


# --- tokens near their end --------------------------------------------------------------------


def _pasted(user, *, expires_in: timedelta, **fields):  # type: ignore[no-untyped-def]
    return PlatformConnectionFactory(
        user=user,
        platform=Platform.VK,
        account_id=str(uuid.uuid4())[:8],
        account_name="Анна",
        expires_at=timezone.now() + expires_in,
        tokens=("vk1.a.pasted", None),
        **fields,
    )


def test_a_pasted_token_ending_within_a_day_is_warned_about_once(user):
    conn = _pasted(user, expires_in=timedelta(hours=5))

    assert notifications_warn_expiring() == 1
    assert notifications_warn_expiring() == 0

    [note] = Notification.objects.filter(user=user)
    assert note.kind == NotificationKind.TOKEN_EXPIRING
    assert note.message.startswith("VK: токен подключения «Анна» перестанет работать")
    assert note.key.startswith(f"token_expiring:{conn.pk}:")


def test_tokens_that_renew_themselves_or_end_later_are_not_warned_about(user):
    PlatformConnectionFactory(
        user=user, platform=Platform.VK, expires_at=timezone.now() + timedelta(hours=1)
    )  # has a refresh token: the refresh task renews it
    _pasted(user, expires_in=timedelta(days=3))
    _pasted(user, expires_in=timedelta(hours=2), status=ConnectionStatus.EXPIRED)
    _pasted(user, expires_in=-timedelta(hours=1))

    assert notifications_warn_expiring() == 0
    assert not Notification.objects.exists()


def test_a_token_renewed_with_a_new_end_is_warned_about_again(user):
    conn = _pasted(user, expires_in=timedelta(hours=5))
    notifications_warn_expiring()
    type(conn).objects.filter(pk=conn.pk).update(expires_at=timezone.now() + timedelta(hours=20))

    assert notifications_warn_expiring() == 1


def test_the_expiry_warning_runs_on_the_control_queue_every_quarter_hour():
    from clipmaker.schedules import periodic_tasks

    [entry] = [p for p in periodic_tasks() if p.task == "notifications.tasks.warn_expiring_tokens"]
    assert entry.queue == "control"
    assert entry.every_seconds <= 3600
