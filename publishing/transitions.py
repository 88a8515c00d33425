"""The only writer of a publication's status: one function per edge of the lifecycle.

Each function takes a *guard* — a queryset that matches the row only while it is still in the
state the caller saw (``filter(pk=..., claim_token=...)``, ``filter(pk=..., status=...)``) — and
performs one conditional UPDATE that sets the new status together with every companion field
that goes with it, then emits the edge's event. It returns whether the row moved: ``False``
means someone else moved it first (a duplicate delivery, a reaper, a user), and the caller must
not act on its stale view. Nothing else in the project writes ``status``::

    scheduled ──due──► queued ──claimed──► publishing ──published──► published
        │                ▲  │                  │ │└──processing (handle kept, claim released)
        └──cancelled     │  └──cancelled       │ └───failed ──► failed ──retried──► queued
                         └────requeued─────────┘     cancelled

Terminal edges (published, failed, cancelled) always clear the claim, the lease and any
pending attempt, so a finished row can never be picked up again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import F, QuerySet
from django.db.models.expressions import Combinable
from django.utils import timezone

from clipmaker.accounts.models import User
from clipmaker.clips.models import Clip
from clipmaker.logging import log_event
from platforms.models import Destination
from platforms.providers import PlatformHandle, ProviderError, PublishResult
from publishing.models import Publication, PublicationStatus

Guard = QuerySet[Publication]

# Fields every edge that releases a worker's claim clears.
_RELEASE = {"claim_token": None, "lease_expires_at": None}


def _fields(pub: Publication, **extra: Any) -> dict[str, Any]:
    return {
        "publication_id": pub.pk,
        "platform": pub.platform,
        "destination_id": pub.destination_id,
        "attempt": pub.attempts,
        "clip_id": pub.clip_id,
        **extra,
    }


def _update(guard: Guard, **changes: Any) -> bool:
    changes.setdefault("updated_at", timezone.now())
    return bool(guard.update(**changes))


class _ErrorFields(TypedDict, total=False):
    error: str
    status: int | None
    code: str | None
    platform_message: str
    body_sent: bool


def error_fields(err: ProviderError | None) -> _ErrorFields:
    """What a log line says about a platform error (never a token: providers scrub them)."""
    if err is None:
        return {}
    return {
        "error": type(err).__name__,
        "status": err.status,
        "code": str(err.code) if err.code is not None else None,
        "platform_message": err.platform_message[:300],
        "body_sent": err.body_sent,
    }


# --- Creation and scheduling ---------------------------------------------------------------


def created(
    *,
    clip: Clip,
    user: User,
    destinations: Sequence[Destination],
    title: str,
    description: str,
    scheduled_at: datetime | None,
    modes: Mapping[int, str] | None = None,
) -> list[Publication]:
    """Insert one row per destination: ``scheduled`` for a time, else ``queued`` and due now.
    ``modes``: the publication's mode by destination id (VK ``vk_mode``).

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


# --- One attempt ---------------------------------------------------------------------------


def claimed(guard: Guard, pub: Publication, *, token: uuid.UUID, now: datetime) -> bool:
    """``queued`` → ``publishing`` under a fresh claim token and lease; one attempt used."""
    moved = _update(
        guard,
        status=PublicationStatus.PUBLISHING,
        attempts=F("attempts") + 1,
        claim_token=token,
        lease_expires_at=now + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS),
        started_at=now,
        enqueued_at=None,
        next_attempt_at=None,
        updated_at=now,
    )
    if moved:
        # One query that also reloads the clip and its owner the attempt reads next.
        pub.refresh_from_db(
            from_queryset=Publication.objects.select_related("clip__owner", "destination")
        )
        log_event(
            "publish_job_start",
            **_fields(
                pub,
                max_attempts=pub.max_attempts,
                user_id=pub.clip.owner_id,
                resume=pub.platform_handle is not None,
            ),
        )
    return moved


def handle_stored(guard: Guard, *, handle: PlatformHandle) -> bool:
    """The platform's handle, stored before any byte goes out so a retry resumes it."""
    return _update(guard, platform_handle=handle.to_json(), platform_video_id=handle.id[:128])


def draft_discarded(guard: Guard, pub: Publication) -> bool:
    """The platform's unpublished draft was deleted (a failed or cancelled row): forget its
    handle, so a later «Повторить» starts afresh instead of resuming what no longer exists."""
    moved = _update(guard, platform_handle=None, platform_video_id="", platform_url="")
    if moved:
        log_event("publication_draft_discarded", **_fields(pub))
    return moved


def mode_changed(guard: Guard, pub: Publication, *, vk_mode: str) -> bool:
    """A failed VK publication will be retried in the other mode: nothing of the old mode's
    attempt is resumed."""
    moved = _update(guard, vk_mode=vk_mode, platform_handle=None, platform_video_id="")
    if moved:
        log_event("publication_mode_changed", **_fields(pub, vk_mode=vk_mode))
    return moved


def progressed(guard: Guard, *, sent_bytes: int) -> bool:
    return bool(guard.update(bytes_sent=sent_bytes))


def cancel_requested(guard: Guard, pub: Publication, *, now: datetime) -> bool:
    """A running upload is asked to stop at its next transition (never mid-body)."""
    moved = _update(guard, cancel_requested_at=now, updated_at=now)
    if moved:
        log_event("publication_cancel_requested", **_fields(pub))
    return moved


def processing(
    guard: Guard, pub: Publication, *, result: PublishResult, next_check_at: datetime, **log: Any
) -> bool:
    """The platform has the whole file and is processing it: keep the handle, release the
    claim, and poll at ``next_check_at`` (the row stays ``publishing``)."""
    moved = _update(
        guard,
        platform_handle=result.handle.to_json(),
        platform_video_id=result.handle.id[:128],
        platform_url=result.url,
        bytes_sent=F("bytes_total"),
        enqueued_at=timezone.now(),
        next_attempt_at=next_check_at,
        **_RELEASE,
    )
    if moved:
        log_event("publish_job_processing", **_fields(pub, handle=result.handle.id, **log))
    return moved


def check_claimed(guard: Guard, *, next_check_at: datetime, now: datetime) -> bool:
    """A processing check takes its turn by pushing the next one forward; a duplicate check
    finds the row not due and exits."""
    return bool(guard.update(next_attempt_at=next_check_at, enqueued_at=now))


def published(guard: Guard, pub: Publication, *, result: PublishResult, **log: Any) -> bool:
    now = timezone.now()
    moved = _update(
        guard,
        status=PublicationStatus.PUBLISHED,
        published_at=now,
        finished_at=now,
        platform_handle=result.handle.to_json(),
        platform_video_id=result.handle.id[:128],
        platform_url=result.url or pub.platform_url,
        bytes_sent=F("bytes_total"),
        next_attempt_at=None,
        enqueued_at=None,
        error_message="",
        error_code="",
        **_RELEASE,
    )
    if moved:
        latency = (now - pub.queued_at).total_seconds() if pub.queued_at else None
        log_event(
            "publish_job_success",
            **_fields(pub, url=result.url or pub.platform_url, latency_seconds=latency, **log),
        )
    return moved


def requeued(
    guard: Guard,
    pub: Publication,
    *,
    next_at: datetime,
    message: str,
    reason: str,
    use_attempt: bool = True,
    bytes_sent: int | Combinable | None = 0,
    level: int = logging.INFO,
    **log: Any,
) -> bool:
    """Back to ``queued`` for a later attempt at ``next_at``.

    ``use_attempt=False`` gives the attempt back (a rate limit is not the platform failing).
    ``bytes_sent``: 0 to forget a broken upload's progress, ``F("bytes_total")`` when the whole
    clip went out and the answer was lost (so nobody can cancel a clip the platform may
    already have), ``None`` to leave it as it is.
    """
    changes: dict[str, Any] = {
        "status": PublicationStatus.QUEUED,
        "next_attempt_at": next_at,
        "enqueued_at": None,
        "error_message": message,
        **_RELEASE,
    }
    if bytes_sent is not None:
        changes["bytes_sent"] = bytes_sent
    if not use_attempt:
        changes["attempts"] = F("attempts") - 1
    moved = _update(guard, **changes)
    if moved:
        log_event(
            "publish_job_retry",
            level=level,
            **_fields(
                pub,
                reason=reason,
                delay_seconds=round((next_at - timezone.now()).total_seconds(), 3),
                next_attempt_at=next_at.isoformat(),
                uses_attempt=use_attempt,
                **log,
            ),
        )
    return moved


def failed(
    guard: Guard,
    pub: Publication,
    *,
    message: str,
    code: str,
    err: ProviderError | None = None,
    **log: Any,
) -> bool:
    """Ends ``failed`` with a message a person understands (and a code for support)."""
    now = timezone.now()
    moved = _update(
        guard,
        status=PublicationStatus.FAILED,
        finished_at=now,
        error_message=message,
        error_code=code[:64],
        next_attempt_at=None,
        enqueued_at=None,
        **_RELEASE,
    )
    if moved:
        log_event(
            "publish_job_failed",
            level=logging.WARNING,
            **_fields(pub, reason=code, **error_fields(err), **log),
        )
    return moved


def cancelled(
    guard: Guard, pub: Publication | None, *, reason: str, message: str = "", **log: Any
) -> int:
    """Ends ``cancelled``: by the user, for a disconnect, for a plan, or honouring a cancel
    request once an upload stopped. ``message`` explains a cancel the user did not ask for.

    The guard may match many rows (a disconnect cancels a user's waiting publications at once:
    ``pub`` is then ``None`` and ``log`` says whose); returns how many moved.
    """
    now = timezone.now()
    moved = guard.update(
        status=PublicationStatus.CANCELLED,
        finished_at=now,
        error_message=message,
        error_code="",
        next_attempt_at=None,
        enqueued_at=None,
        updated_at=now,
        **_RELEASE,
    )
    if moved:
        fields = _fields(pub, **log) if pub is not None else log
        log_event("publish_job_cancelled", reason=reason, rows=moved, **fields)
    return moved


def retried(guard: Guard, pub: Publication, *, now: datetime) -> bool:
    """A failed publication goes back to ``queued`` with a fresh set of attempts (the user's
    «Повторить»). The stored handle is kept: the new attempt checks it before sending."""
    moved = _update(
        guard,
        status=PublicationStatus.QUEUED,
        attempts=0,
        queued_at=now,
        next_attempt_at=now,
        enqueued_at=now,
        finished_at=None,
        error_message="",
        error_code="",
        bytes_sent=0,
        cancel_requested_at=None,
        updated_at=now,
        **_RELEASE,
    )
    if moved:
        log_event("publication_retried", **_fields(pub))
    return moved
