"""Reads for notifications that the bell, the list page and the API share."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from clipmaker.accounts.models import User
from clipmaker.notifications.models import Notification, NotificationPreference


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's notifications for the list and the API, newest first."""
    return Notification.objects.filter(user=user, in_app=True).order_by("-created_at", "-id")


def notification_get(*, user: User, notification_id: int) -> Notification | None:
    return notification_list(user=user).filter(pk=notification_id).first()


def notification_unread_count(*, user: User) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class Preferences:
    in_app: bool
    email: bool


def notification_preferences_get(*, user: User) -> Preferences:
    """The user's switches; both on until the user changes them."""
    pref = NotificationPreference.objects.filter(user=user).first()
    if pref is None:
        return Preferences(in_app=True, email=True)
    return Preferences(in_app=pref.in_app, email=pref.email)
