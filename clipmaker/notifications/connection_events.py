"""Notifications about connections: one when a connection goes from active to expired, one
when a check of a working connection starts failing for a reason a retry will not fix, and one
per token when a pasted token (no refresh token) will stop working within a day.

``platforms.services`` calls the ``*_notify`` hooks where it writes those states; the
notifications are built after the transaction commits, from what the database says, each under
its event's key (one per connection lifetime, failing episode or token).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from clipmaker.notifications.models import Notification, NotificationKind
from clipmaker.notifications.services import notification_create, notify_after_commit
from platforms.models import ConnectionStatus, PlatformConnection
from platforms.providers import platform_label
from platforms.selectors import connection_list_expiring_within

# A token this close to its end (and not refreshed automatically) is worth a warning: the
# same day's notice the platform and clip pages show.
EXPIRING_WITHIN_HOURS = 24


def connection_expired_notify(*, connection_id: uuid.UUID | str) -> None:
    """A connection went from active to ``expired`` (``platforms.services``)."""
    notify_after_commit(notification_connection_expired, connection_id=connection_id)


def connection_attention_notify(*, connection_id: uuid.UUID | str, detail: str) -> None:
    """A check of a working connection started failing for a reason a retry will not fix."""
    notify_after_commit(
        notification_connection_attention, connection_id=connection_id, detail=detail
    )


def _settings_link(platform: str) -> str:
    return f"{reverse('platforms:settings')}#platform-{platform}"


def _account(connection: PlatformConnection) -> str:
    return connection.account_name or connection.account_id or platform_label(connection.platform)


def notification_connection_expired(*, connection_id: uuid.UUID | str) -> Notification | None:
    connection = PlatformConnection.objects.select_related("user").filter(pk=connection_id).first()
    if connection is None or connection.status != ConnectionStatus.EXPIRED:
        return None
    label = platform_label(connection.platform)
    return notification_create(
        user=connection.user,
        kind=NotificationKind.CONNECTION_EXPIRED,
        key=f"connection_expired:{connection.pk}:{connection.connected_at.timestamp():.6f}",
        message=(
            f"{label}: подключение «{_account(connection)}» больше не работает — токен истёк "
            "или доступ отозван. Переподключите его в разделе «Платформы», чтобы публикации "
            "продолжились."
        ),
        link=_settings_link(connection.platform),
    )


def notification_connection_attention(
    *, connection_id: uuid.UUID | str, detail: str
) -> Notification | None:
    connection = PlatformConnection.objects.select_related("user").filter(pk=connection_id).first()
    if connection is None or connection.status != ConnectionStatus.ACTIVE:
        return None
    checked = connection.last_checked_at or timezone.now()
    label = platform_label(connection.platform)
    return notification_create(
        user=connection.user,
        kind=NotificationKind.CONNECTION_ATTENTION,
        key=f"connection_attention:{connection.pk}:{checked.timestamp():.6f}",
        message=(
            f"{label}: подключение «{_account(connection)}» требует внимания. {detail} "
            "Исправьте это и нажмите «Проверить подключение» в разделе «Платформы»."
        ),
        link=_settings_link(connection.platform),
    )


def _local(when: datetime, zone: str) -> datetime:
    try:
        tz = ZoneInfo(zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo(settings.TIME_ZONE)
    return timezone.localtime(when, tz)


def notification_token_expiring(*, connection: PlatformConnection) -> Notification | None:
    if connection.expires_at is None:
        return None
    label = platform_label(connection.platform)
    when = _local(connection.expires_at, connection.user.time_zone)
    return notification_create(
        user=connection.user,
        kind=NotificationKind.TOKEN_EXPIRING,
        key=f"token_expiring:{connection.pk}:{connection.expires_at.timestamp():.6f}",
        message=(
            f"{label}: токен подключения «{_account(connection)}» перестанет работать "
            f"{when:%d.%m.%Y в %H:%M} ({when.tzinfo}). Подключите {label} заново с новым "
            "токеном, чтобы публикации не остановились."
        ),
        link=_settings_link(connection.platform),
    )


def notifications_warn_expiring(*, hours: float = EXPIRING_WITHIN_HOURS) -> int:
    """The periodic check: warn once per token about every connection whose token ends within
    the window and cannot be refreshed automatically (a pasted token; OAuth connections renew
    themselves and notify only if that fails). Returns how many warnings were new."""
    created = 0
    still_running = connection_list_expiring_within(hours=hours).filter(
        expires_at__gt=timezone.now()
    )
    for connection in still_running:
        if notification_token_expiring(connection=connection) is not None:
            created += 1
    return created
