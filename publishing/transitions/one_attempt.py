"""One attempt: claimed under a token and lease, its handle and progress stored, processing on
the platform, and its outcome: ``published``, back to ``queued`` for a later attempt, or
``failed``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.db.models.expressions import Combinable
from django.utils import timezone

from clipmaker.logging import log_event
from clipmaker.notifications.publication_events import publication_failed_notify
from platforms.providers import PlatformHandle, ProviderError, PublishResult, SentText
from publishing.models import Publication, PublicationStatus
from publishing.transitions.common import _RELEASE, Guard, _fields, _update, error_fields

# --- One attempt ---------------------------------------------------------------------------


def claimed(
    guard: Guard,
    pub: Publication,
    *,
    token: uuid.UUID,
    now: datetime,
    sent: SentText | None = None,
) -> bool:
    """``queued`` → ``publishing`` under a fresh claim token and lease; one attempt used.
    ``sent``: the text this attempt sends (``sent_title``/``sent_description``)."""
    recorded = (
        {} if sent is None else {"sent_title": sent.title, "sent_description": sent.description}
    )
    moved = _update(
        guard,
        **recorded,
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
        publication_failed_notify(publication_id=pub.pk)
    return moved
