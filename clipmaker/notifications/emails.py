"""E-mail for notifications: one letter per event, or one digest for the events that came
together, sent by a task on the ``control`` queue with no transaction open.

A new notification that wants e-mail is ``pending``; after the surrounding transaction
commits, a send task for its user is queued ``NOTIFICATION_DIGEST_SECONDS`` ahead (a short
ETA). The first task that runs claims every pending notification of the user with one
conditional UPDATE and sends them in one letter; tasks that come after find nothing and exit.
So twenty publications failing in the same minute make one e-mail, not twenty. A periodic
sweep sends what a lost message or a failed send left pending.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Case, F, Value, When
from django.urls import reverse
from django.utils import timezone

from clipmaker.accounts.models import User
from clipmaker.logging import log_event
from clipmaker.notifications.models import EmailState, Notification
from clipmaker.notifications.selectors import notification_preferences_get
from clipmaker.queues import CONTROL_QUEUE

SEND_TASK_NAME = "notifications.tasks.send_notification_emails"
# A claim older than this belongs to a worker that died mid-send: the sweep takes it back.
CLAIM_STALE_SECONDS = 10 * 60
# After this many failed sends a notification's letter is given up (the bell still has it).
MAX_SEND_ATTEMPTS = 5


def notification_emails_enqueue(*, user_id: int) -> bool:
    """Queue the user's letter for the end of the digest window (the sweep covers a lost one)."""
    from clipmaker.celery import app

    try:
        app.send_task(
            SEND_TASK_NAME,
            args=[user_id],
            queue=CONTROL_QUEUE,
            countdown=settings.NOTIFICATION_DIGEST_SECONDS,
        )
    except Exception as exc:  # the broker is down: the sweep sends it later
        log_event("notification_email_enqueue_failed", user_id=user_id, error=type(exc).__name__)
        return False
    return True


def _plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _absolute(link: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{link}" if link.startswith("/") else link


def notification_email_compose(*, notifications: list[Notification]) -> tuple[str, str]:
    """(subject, plain-text body): the event itself, or a digest of several."""
    settings_url = _absolute(reverse("notification-settings"))
    footer = (
        "\n\n—\nКлипМейкер, автопостинг. Письма об ошибках и подключениях можно выключить: "
        f"{settings_url}"
    )
    if len(notifications) == 1:
        only = notifications[0]
        body = only.message
        if only.link:
            body += f"\n\nОткрыть: {_absolute(only.link)}"
        return f"КлипМейкер: {only.get_kind_display().lower()}", body + footer
    n = len(notifications)
    word = _plural(n, "событие", "события", "событий")
    lines = [f"За последние минуты произошло {n} {word}, о которых стоит знать:", ""]
    for index, item in enumerate(notifications, start=1):
        lines.append(f"{index}. {item.message}")
        if item.link:
            lines.append(f"   {_absolute(item.link)}")
    lines += ["", f"Все уведомления: {_absolute(reverse('notification-list'))}"]
    return f"КлипМейкер: {n} {_plural(n, 'уведомление', 'уведомления', 'уведомлений')}", (
        "\n".join(lines) + footer
    )


def notification_emails_send(*, user_id: int) -> int:
    """Send the user's pending notifications in one letter; returns how many it carried."""
    claim = uuid.uuid4()
    now = timezone.now()
    claimed = Notification.objects.filter(user_id=user_id, email_state=EmailState.PENDING).update(
        email_state=EmailState.SENDING,
        email_claim=claim,
        email_claimed_at=now,
        email_attempts=F("email_attempts") + 1,
    )
    if not claimed:
        return 0
    mine = Notification.objects.filter(email_claim=claim, email_state=EmailState.SENDING)
    rows = list(mine.order_by("created_at", "id"))
    user = User.objects.get(pk=user_id)
    if not user.email or not notification_preferences_get(user=user).email:
        mine.update(email_state=EmailState.SKIPPED, email_claim=None)
        return 0
    subject, body = notification_email_compose(notifications=rows)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception as exc:
        mine.update(
            email_state=Case(
                When(email_attempts__gte=MAX_SEND_ATTEMPTS, then=Value(EmailState.FAILED)),
                default=Value(EmailState.PENDING),
            ),
            email_claim=None,
        )
        log_event(
            "notification_email_failed",
            user_id=user_id,
            notifications=len(rows),
            error=type(exc).__name__,
        )
        return 0
    mine.update(email_state=EmailState.SENT, emailed_at=timezone.now(), email_claim=None)
    log_event("notification_email_sent", user_id=user_id, notifications=len(rows))
    return len(rows)


def notification_emails_send_due() -> int:
    """The sweep: take back claims of dead workers, then send every user's letter whose
    notifications have waited longer than the digest window. Returns how many went out."""
    now = timezone.now()
    Notification.objects.filter(
        email_state=EmailState.SENDING,
        email_claimed_at__lt=now - timedelta(seconds=CLAIM_STALE_SECONDS),
    ).update(email_state=EmailState.PENDING, email_claim=None)
    waited = now - timedelta(seconds=settings.NOTIFICATION_DIGEST_SECONDS)
    users = (
        Notification.objects.filter(email_state=EmailState.PENDING, created_at__lte=waited)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return sum(notification_emails_send(user_id=user_id) for user_id in list(users))
