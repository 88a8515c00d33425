"""Notifications about publications: one when a publication ends ``failed`` (after its last
retry, or at once for what no retry can fix).

``publishing.transitions.failed`` calls ``publication_failed_notify`` right after it moved the
row; the notification is built after the transaction commits, from what the database says, so a
rolled-back failure notifies nobody and a hook run twice still makes one notification (the
event's key).
"""

from __future__ import annotations

from django.urls import reverse

from clipmaker.notifications.models import Notification, NotificationKind
from clipmaker.notifications.services import notification_create, notify_after_commit
from publishing.models import Publication, PublicationStatus


def publication_failed_notify(*, publication_id: int) -> None:
    """A publication ended ``failed`` (``publishing.transitions.failed``)."""
    notify_after_commit(notification_publication_failed, publication_id=publication_id)


def notification_publication_failed(*, publication_id: int) -> Notification | None:
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
