"""The periodic sweeps that keep every publication moving: dispatcher, check sweep, reaper.

* The dispatcher claims due rows and sends one message per row. Only rows due within the next
  tick get an ETA (a second or two): a long ETA on the broker is redelivered by Redis after its
  visibility timeout and lost by a broker restart, so the database keeps the time instead.
  ``enqueued_at`` remembers when a row's message was sent; a ``queued`` row sent long ago and
  never claimed is sent again (its message was lost). A duplicate message is harmless.
* The check sweep replaces lost processing checks.
* The reaper returns ``publishing`` rows whose worker died (lease expired) to the retry path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clipmaker.logging import log_event
from publishing import rules, transitions
from publishing.models import Publication, PublicationStatus
from publishing.queue import publication_enqueue, publication_enqueue_check

BATCH = 500


class _Move(Protocol):
    """A transition applied to every claimed row at once (``dispatched``, ``sent``)."""

    def __call__(self, guard: transitions.Guard, *, now: datetime) -> int: ...


@dataclass(frozen=True)
class DueRow:
    id: int
    platform: str
    due_at: datetime | None


def _claim_due(condition: Q, *, due_field: str, move: _Move, now: datetime) -> list[DueRow]:
    """Lock a batch of due rows (skipping those another dispatcher holds) and ``move`` them.

    On PostgreSQL ``SKIP LOCKED`` lets two beat processes split the work; on SQLite row locks do
    nothing, but the transaction is IMMEDIATE (one writer at a time) and the UPDATE repeats the
    due condition, so a row is still claimed once.
    """
    with transaction.atomic():
        rows = list(
            Publication.objects.select_for_update(skip_locked=True)
            .filter(condition)
            .order_by(due_field, "id")
            .values_list("id", "platform", due_field)[:BATCH]
        )
        if not rows:
            return []
        ids = [row[0] for row in rows]
        still_due = set(
            Publication.objects.filter(condition, id__in=ids).values_list("id", flat=True)
        )
        move(Publication.objects.filter(id__in=still_due), now=now)
    return [DueRow(id=r[0], platform=r[1], due_at=r[2]) for r in rows if r[0] in still_due]


def publications_dispatch_due(*, now: datetime | None = None) -> int:
    """Move due ``scheduled`` rows to ``queued`` and send every due, unsent ``queued`` row."""
    now = now or timezone.now()
    horizon = now + timedelta(seconds=settings.DISPATCH_INTERVAL_SECONDS)
    lost_before = now - timedelta(seconds=settings.PUBLISH_REDELIVER_SECONDS)
    scheduled = _claim_due(
        Q(status=PublicationStatus.SCHEDULED, scheduled_at__lte=horizon),
        due_field="scheduled_at",
        move=transitions.dispatched,
        now=now,
    )
    queued = _claim_due(
        Q(status=PublicationStatus.QUEUED)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=horizon))
        & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost_before)),
        due_field="next_attempt_at",
        move=transitions.sent,
        now=now,
    )
    for row in [*scheduled, *queued]:
        publication_enqueue(publication_id=row.id, platform=row.platform, eta=row.due_at)
    if scheduled or queued:
        log_event("publish_dispatch", scheduled=len(scheduled), queued=len(queued))
    return len(scheduled) + len(queued)


def publications_check_processing_due(*, now: datetime | None = None) -> int:
    """Send a check for every processing publication that is due and has no check on its way.

    Each check schedules the next one itself (``publishing.processing``); this sweep only
    catches checks whose message was lost.
    """
    now = now or timezone.now()
    lost_before = now - timedelta(seconds=settings.PUBLISH_REDELIVER_SECONDS)
    rows = _claim_due(
        Q(
            status=PublicationStatus.PUBLISHING,
            claim_token__isnull=True,
            platform_handle__isnull=False,
            next_attempt_at__lte=now,
        )
        & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost_before)),
        due_field="next_attempt_at",
        move=transitions.sent,
        now=now,
    )
    for row in rows:
        publication_enqueue_check(publication_id=row.id)
    return len(rows)


def publications_reap_expired_leases(*, now: datetime | None = None) -> int:
    """Return ``publishing`` rows whose worker died (lease expired) to the retry path.

    A row with a stored handle resumes it on the next attempt. A row with no handle that may
    already be posted (bytes had started to go out, or its create call may have) fails asking
    the user to check, rather than posting twice.
    """
    now = now or timezone.now()
    rows = list(
        Publication.objects.filter(
            status=PublicationStatus.PUBLISHING,
            claim_token__isnull=False,
            lease_expires_at__lt=now,
        ).only(
            "id",
            "clip_id",
            "platform",
            "title",
            "claim_token",
            "attempts",
            "platform_handle",
            "bytes_sent",
            "bytes_total",
            "cancel_requested_at",
        )[:BATCH]
    )
    reaped = 0
    for row in rows:
        if _reap(row, now=now):
            reaped += 1
    return reaped


def _reap(row: Publication, *, now: datetime) -> bool:
    mine = Publication.objects.filter(
        pk=row.pk, status=PublicationStatus.PUBLISHING, claim_token=row.claim_token
    )
    delay = rules.retry_delay(attempts=row.attempts)
    may_have_it = rules.platform_may_have_it(row)
    # "May be posted" outranks a cancel request: reporting "cancelled" for a live post is the
    # one answer that must never be given.
    if rules.may_be_posted_without_handle(row):
        return transitions.failed(
            mine,
            row,
            message=rules.outcome_unknown_message(row.platform, title=row.title),
            code="outcome_unknown",
            lease_expired=True,
        )
    if row.cancel_requested_at is not None and not may_have_it:
        return bool(transitions.cancelled(mine, row, reason="cancel_requested", lease_expired=True))
    if delay is None:
        return transitions.failed(
            mine,
            row,
            message=rules.final_transient_message(row.platform, row.attempts, None),
            code="lease_expired",
            lease_expired=True,
        )
    return transitions.requeued(
        mine,
        row,
        next_at=now + timedelta(seconds=delay),
        message=rules.INTERRUPTED_MESSAGE,
        reason="lease_expired",
        bytes_sent=None if may_have_it else 0,
        level=logging.WARNING,
        lease_expired=True,
    )
