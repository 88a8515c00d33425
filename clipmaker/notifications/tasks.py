"""Celery tasks for notifications (``control`` queue): ids in, one service call."""

from __future__ import annotations

from celery import shared_task

from clipmaker.notifications import connection_events, emails
from clipmaker.queues import CONTROL_QUEUE


@shared_task(name=emails.SEND_TASK_NAME, queue=CONTROL_QUEUE)
def send_notification_emails(user_id: int) -> int:
    return emails.notification_emails_send(user_id=user_id)


@shared_task(name="notifications.tasks.send_due_notification_emails", queue=CONTROL_QUEUE)
def send_due_notification_emails() -> int:
    return emails.notification_emails_send_due()


@shared_task(name="notifications.tasks.warn_expiring_tokens", queue=CONTROL_QUEUE)
def warn_expiring_tokens() -> int:
    return connection_events.notifications_warn_expiring()
