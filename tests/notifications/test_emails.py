"""Letters: one per event, one digest when many come together, never one per failure, sent by
a task on the ``control`` queue with Django's e-mail backend (``mail.outbox`` here)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from clipmaker.notifications.emails import (
    MAX_SEND_ATTEMPTS,
    notification_emails_send,
    notification_emails_send_due,
)
from clipmaker.notifications.models import EmailState, Notification, NotificationKind
from clipmaker.notifications.services import (
    notification_create,
    notification_preferences_update,
)
from platforms.constants import Platform
from publishing import transitions
from publishing.models import Publication, PublicationStatus
from tests.factories import ClipFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.usefixtures("enqueued")


def _note(user: Any, key: str, message: str = "Что-то случилось.") -> Notification:
    note = notification_create(
        user=user,
        kind=NotificationKind.PUBLICATION_FAILED,
        key=key,
        message=message,
        link="/clips/1/",
    )
    assert note is not None
    return note


def test_one_event_makes_one_letter_with_its_link(user, settings):
    settings.PUBLIC_BASE_URL = "https://clips.example.ru"
    _note(user, "a", "Не удалось опубликовать «Мой клип» в VK.")

    assert notification_emails_send(user_id=user.pk) == 1

    [letter] = mail.outbox
    assert letter.to == ["anna@example.ru"]
    assert letter.subject == "КлипМейкер: публикация не удалась"
    assert "Не удалось опубликовать «Мой клип» в VK." in letter.body
    assert "https://clips.example.ru/clips/1/" in letter.body
    assert "https://clips.example.ru/settings/notifications/" in letter.body
    assert Notification.objects.get().email_state == EmailState.SENT


def test_many_failures_at_once_make_one_digest(user, django_capture_on_commit_callbacks, enqueued):
    clips = [ClipFactory(owner=user, title=f"Клип {n}") for n in range(12)]
    pubs = [
        PublicationFactory(clip=c, platform=Platform.VK, status=PublicationStatus.QUEUED)
        for c in clips
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for pub in pubs:
            guard = Publication.objects.filter(pk=pub.pk)
            transitions.failed(guard, pub, message="VK недоступен.", code="transient")

    # Every failure asked for a letter; the first task to run sends them all, the rest find
    # nothing left.
    assert len(enqueued) == 12
    sent = [notification_emails_send(user_id=uid) for uid in enqueued]

    assert sent[0] == 12 and sum(sent) == 12
    [letter] = mail.outbox
    assert letter.subject == "КлипМейкер: 12 уведомлений"
    assert letter.body.startswith("За последние минуты произошло 12 событий")
    assert all(f"«Клип {n}»" in letter.body for n in range(12))
    assert Notification.objects.filter(user=user, in_app=True).count() == 12


def test_a_digest_counts_in_russian(user):
    for key in "ab":
        _note(user, key)
    notification_emails_send(user_id=user.pk)
    assert mail.outbox[0].subject == "КлипМейкер: 2 уведомления"


def test_each_user_gets_only_their_own_letter(user):
    other = UserFactory(email="boris@example.ru")
    _note(user, "a", "Анне")
    _note(other, "a", "Борису")

    notification_emails_send(user_id=user.pk)

    [letter] = mail.outbox
    assert letter.to == ["anna@example.ru"] and "Борису" not in letter.body
    assert Notification.objects.get(user=other).email_state == EmailState.PENDING


def test_a_letter_switched_off_before_sending_is_not_sent(user):
    _note(user, "a")
    notification_preferences_update(user=user, in_app=True, email=False)

    assert notification_emails_send(user_id=user.pk) == 0
    assert mail.outbox == []
    assert Notification.objects.get().email_state == EmailState.SKIPPED


def test_a_failed_send_waits_for_the_sweep_and_gives_up_after_a_few(user, monkeypatch):
    from clipmaker.notifications import emails

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("SMTP down")

    monkeypatch.setattr(emails, "send_mail", broken)
    note = _note(user, "a")
    Notification.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(hours=1))

    assert notification_emails_send(user_id=user.pk) == 0
    assert Notification.objects.get().email_state == EmailState.PENDING
    for _ in range(MAX_SEND_ATTEMPTS - 1):
        notification_emails_send_due()
    assert Notification.objects.get().email_state == EmailState.FAILED


def test_the_sweep_sends_what_a_lost_message_left_and_waits_for_the_window(user):
    old = _note(user, "old", "Старое")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    assert notification_emails_send_due() == 1
    _note(user, "new", "Новое")
    assert notification_emails_send_due() == 0  # still inside its digest window

    [letter] = mail.outbox
    assert "Старое" in letter.body


def test_the_sweep_takes_back_a_dead_workers_claim(user):
    note = _note(user, "a")
    Notification.objects.filter(pk=note.pk).update(
        email_state=EmailState.SENDING,
        email_claimed_at=timezone.now() - timedelta(hours=1),
        created_at=timezone.now() - timedelta(hours=1),
    )

    assert notification_emails_send_due() == 1
    assert len(mail.outbox) == 1


def test_the_send_task_goes_to_the_control_queue_after_the_digest_window(user, monkeypatch):
    from clipmaker.celery import app
    from clipmaker.notifications import emails

    monkeypatch.undo()  # the real enqueue, with the broker call recorded
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: calls.append({"name": name, **kw}))

    assert emails.notification_emails_enqueue(user_id=user.pk)

    assert calls == [
        {
            "name": "notifications.tasks.send_notification_emails",
            "args": [user.pk],
            "queue": "control",
            "countdown": 60,
        }
    ]


def test_the_task_sends_through_the_console_backend_in_development(user, settings, capsys):
    from clipmaker.notifications.tasks import send_notification_emails

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    _note(user, "a", "Проверка консоли.")

    assert send_notification_emails.apply(args=[user.pk]).get() == 1
    out = capsys.readouterr().out
    assert "To: anna@example.ru" in out
