"""The bell in the header: the unread count, read only when a page shows it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def notification_bell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        from clipmaker.notifications.selectors import notification_unread_count

        return notification_unread_count(user=user)

    return {"notification_unread": SimpleLazyObject(unread)}
