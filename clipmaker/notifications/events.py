"""The events that make notifications, each written once where its state is written.

The engine and the connection services call the ``*_notify`` hooks right after their state
change; a hook only registers work for after the transaction commits (a rolled-back change
notifies nobody), and the notification is then built from what the database says. The
``notification_*`` functions build the message and link of each event and create it under
the event's key, so a hook run twice still makes one notification.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clipmaker.notifications.models import Notification, NotificationKind
from clipmaker.notifications.selectors import connections_expiring_unrefreshable
from clipmaker.notifications.services import notification_create
from platforms.models import ConnectionStatus, PlatformConnection
from platforms.providers import platform_label

logger = logging.getLogger(__name__)

# A token this close to its end (and not refreshed automatically) is worth a warning.
EXPIRING_WITHIN_SECONDS = 24 * 3600


def _after_commit(func: object, **kwargs: object) -> None:
    def run() -> None:
        try:
            func(**kwargs)  # type: ignore[operator]
        except Exception:  # a notification must never break the engine that reported it
            logger.exception("notification_failed_to_record")

    transaction.on_commit(run)


# --- hooks the writers call ------------------------------------------------------------------


def publication_failed_notify(*, publication_id: int) -> None:
    """A publication ended ``failed`` (``publishing.transitions.failed``)."""
    _after_commit(notification_publication_failed, publication_id=publication_id)


def connection_expired_notify(*, connection_id: uuid.UUID | str) -> None:
    """A connection went from active to ``expired`` (``platforms.services``)."""
    _after_commit(notification_connection_expired, connection_id=connection_id)


def connection_attention_notify(*, connection_id: uuid.UUID | str, detail: str) -> None:
    """A check of a working connection started failing for a reason a retry will not fix."""
    _after_commit(notification_connection_attention, connection_id=connection_id, detail=detail)


# --- building each event -------------------------------------------------------------------


def _settings_link(platform: str) -> str:
    return f"{reverse('platforms:settings')}#platform-{platform}"


def _account(connection: PlatformConnection) -> str:
    return connection.account_name or connection.account_id or platform_label(connection.platform)


def notification_publication_failed(*, publication_id: int) -> Notification | None:
    from publishing.models import Publication, PublicationStatus

    publication = (
        Publication.objects.select_related("clip__owner", "destination__connection")
        .filter(pk=publication_id)
        .first()
    )
    if publication is None or publication.status != PublicationStatus.FAILED:
        return None
    finished = publication.finished_at or publication.updated_at
    place = publication.destination.label
    message = f"Не удалось опубликовать «{publication.clip.title}» в {place}."
    if publication.error_message:
        message = f"{message} {publication.error_message}"
    return notification_create(
        user=publication.clip.owner,
        kind=NotificationKind.PUBLICATION_FAILED,
        key=f"publication_failed:{publication.pk}:{finished.timestamp():.6f}",
        message=message,
        link=reverse("clip-detail", args=[publication.clip_id]),
    )


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


def notifications_warn_expiring(*, within_seconds: int = EXPIRING_WITHIN_SECONDS) -> int:
    """The periodic check: warn once per token about every connection whose token ends within
    the window and cannot be refreshed automatically. Returns how many warnings were new."""
    created = 0
    for connection in connections_expiring_unrefreshable(within_seconds=within_seconds):
        if notification_token_expiring(connection=connection) is not None:
            created += 1
    return created
