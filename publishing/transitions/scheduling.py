"""Creation and scheduling: rows are born ``scheduled`` or ``queued``, become due, have their
message sent, and move in time without using an attempt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from clipmaker.accounts.models import User
from clipmaker.clips.models import Clip
from clipmaker.logging import log_event
from platforms.models import Destination
from publishing.models import Publication, PublicationStatus
from publishing.transitions.common import Guard, _fields, _update

# --- Creation and scheduling ---------------------------------------------------------------


def created(
    *,
    clip: Clip,
    user: User,
    destinations: Sequence[Destination],
    title: str,
    description: str,
    scheduled_at: datetime | None,
    texts: Mapping[str, dict[str, str]] | None = None,
    modes: Mapping[int, str] | None = None,
) -> list[Publication]:
    """Insert one row per destination: ``scheduled`` for a time, else ``queued`` and due now.
    ``texts``: the per-platform overrides; each row keeps its platform's. ``modes``: the
    publication's mode by destination id (VK ``vk_mode``).

    Call inside the caller's transaction; a concurrent insert for the same clip and destination
    raises ``IntegrityError`` (the partial unique constraint).
    """
    now = timezone.now()
    rows: list[Publication] = []
    for destination in destinations:
        publication = Publication(
            clip=clip,
            destination=destination,
            platform=destination.platform,
            title=title,
            description=description,
            texts=dict((texts or {}).get(destination.platform) or {}),
            bytes_total=clip.size_bytes,
            created_by=user,
            vk_mode=(modes or {}).get(destination.pk, ""),
        )
        if scheduled_at is not None:
            publication.status = PublicationStatus.SCHEDULED
            publication.scheduled_at = scheduled_at
        else:
            publication.status = PublicationStatus.QUEUED
            publication.queued_at = now
            publication.next_attempt_at = now
            publication.enqueued_at = now
        publication.save()
        rows.append(publication)
    for publication in rows:
        log_event(
            "publication_created",
            publication_id=publication.pk,
            clip_id=clip.pk,
            platform=publication.platform,
            destination_id=publication.destination_id,
            user_id=user.pk,
            status=publication.status,
            scheduled_at=scheduled_at.isoformat() if scheduled_at else None,
        )
    return rows


def dispatched(guard: Guard, *, now: datetime) -> int:
    """``scheduled`` → ``queued`` for due rows the dispatcher holds; their message goes out now."""
    return guard.update(
        status=PublicationStatus.QUEUED,
        queued_at=now,
        next_attempt_at=F("scheduled_at"),
        enqueued_at=now,
        updated_at=now,
    )


def sent(guard: Guard, *, now: datetime | None) -> int:
    """Remember when a queued row's message was sent (``None``: not sent, send on next tick)."""
    return guard.update(enqueued_at=now)


def rescheduled(guard: Guard, pub: Publication, *, next_at: datetime, reason: str) -> bool:
    """A waiting row's next attempt moves (our own rate limiter, a platform's 429 while
    processing); no attempt is used."""
    moved = _update(guard, next_attempt_at=next_at, enqueued_at=None)
    if moved:
        log_event(
            "publish_job_retry",
            **_fields(
                pub,
                reason=reason,
                delay_seconds=round((next_at - timezone.now()).total_seconds(), 3),
                next_attempt_at=next_at.isoformat(),
                uses_attempt=False,
            ),
        )
    return moved


def schedule_moved(guard: Guard, pub: Publication, *, scheduled_at: datetime) -> bool:
    """A ``scheduled`` row gets another time (the user's reschedule); the status stays."""
    before = pub.scheduled_at
    moved = _update(guard, scheduled_at=scheduled_at)
    if moved:
        log_event(
            "publication_rescheduled",
            **_fields(
                pub,
                scheduled_at=scheduled_at.isoformat(),
                previous_scheduled_at=before.isoformat() if before else None,
            ),
        )
    return moved
