"""Writes for notifications: creating one per event (idempotent by its key), reading them, and
the user's switches. E-mail goes out later, from a task (``notifications.emails``): never
inside a request or a publication's transition.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from clipmaker.accounts.models import User
from clipmaker.logging import log_event
from clipmaker.notifications.models import (
    EmailState,
    Notification,
    NotificationKind,
    NotificationPreference,
)


@dataclass(frozen=True)
class Preferences:
    in_app: bool
    email: bool


def notification_preferences_get(*, user: User) -> Preferences:
    pref = NotificationPreference.objects.filter(user=user).first()
    if pref is None:
        return Preferences(in_app=True, email=True)
    return Preferences(in_app=pref.in_app, email=pref.email)


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
        from clipmaker.notifications.emails import notification_emails_enqueue

        user_id = user.pk
        transaction.on_commit(lambda: notification_emails_enqueue(user_id=user_id))
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
