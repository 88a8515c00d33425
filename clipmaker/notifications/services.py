"""Writes for notifications: creating one per event (idempotent by its key), reading them, and
the user's switches. E-mail goes out later, from a task (``notifications.emails``): never
inside a request or a publication's transition.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from clipmaker.accounts.models import User
from clipmaker.logging import log_event
from clipmaker.notifications import emails
from clipmaker.notifications.models import (
    EmailState,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from clipmaker.notifications.selectors import Preferences, notification_preferences_get

logger = logging.getLogger(__name__)


def notification_preferences_update(
    *, user: User, in_app: bool, email: bool, address: str | None = None
) -> Preferences:
    """Save the switches (and the address letters go to, when given)."""
    with transaction.atomic():
        NotificationPreference.objects.update_or_create(
            user=user, defaults={"in_app": in_app, "email": email}
        )
        if address is not None and address != user.email:
            user.email = address
            user.save(update_fields=["email"])
    return Preferences(in_app=in_app, email=email)


def notification_create(
    *, user: User, kind: NotificationKind, key: str, message: str, link: str = ""
) -> Notification | None:
    """Record one event for ``user``; None when this event (``key``) was already recorded or
    the user switched both ways of hearing about it off.

    An e-mail is sent (alone or in a digest) by a task after the surrounding transaction
    commits, when the user wants e-mail and has an address.
    """
    prefs = notification_preferences_get(user=user)
    wants_email = prefs.email and bool(user.email)
    if not prefs.in_app and not wants_email:
        return None
    notification = Notification(
        user=user,
        kind=kind,
        key=key[:200],
        message=message,
        link=link[:500],
        in_app=prefs.in_app,
        email_state=EmailState.PENDING if wants_email else EmailState.SKIPPED,
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:  # the same event, reported again: one notification is enough
        return None
    log_event(
        "notification_created",
        notification_id=notification.pk,
        user_id=user.pk,
        kind=str(kind),
        email=wants_email,
    )
    if wants_email:
        user_id = user.pk
        transaction.on_commit(lambda: emails.notification_emails_enqueue(user_id=user_id))
    return notification


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (the first time counts; reading again changes nothing)."""
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notify_after_commit(builder: Callable[..., Any], **kwargs: Any) -> None:
    """Run ``builder(**kwargs)`` once the surrounding transaction commits (at once outside
    one): a change that is rolled back notifies nobody, and a notification that cannot be
    recorded never breaks the writer that reported the event."""

    def run() -> None:
        try:
            builder(**kwargs)
        except Exception:
            logger.exception("notification_not_recorded")

    transaction.on_commit(run)
