"""Sending publication work to Celery, from the database.

The database says what is due (``scheduled_at``, ``next_attempt_at``); these functions claim
due rows and put one message per row on the platform's queue. Only rows due within the next
dispatcher tick get an ETA (a second or two): a long ETA on the broker is redelivered by Redis
after its visibility timeout and lost by a broker restart, so the database keeps the time
instead. ``enqueued_at`` remembers when a row's message was sent; a ``queued`` row that was
sent long ago and never claimed is sent again (its message was lost). A duplicate message is
harmless: the task's claim lets only one delivery through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from clipmaker.logging import log_event
from publishing.models import Publication, PublicationStatus

DISPATCH_BATCH = 500


@dataclass(frozen=True)
class DueRow:
    id: int
    platform: str
    due_at: datetime | None


def publish_task_name(platform: str) -> str:
    """Per-platform task names, so each queue's Celery ``rate_limit`` applies to its platform."""
    return f"publishing.tasks.publish_{platform}"


CHECK_TASK_NAME = "publishing.tasks.check_publication"


def _send(task_name: str, *, publication_id: int, platform: str, eta: datetime | None) -> bool:
    from clipmaker.celery import app

    now = timezone.now()
    options: dict[str, object] = {"queue": platform}
    if eta is not None and eta > now:
        # Never more than one dispatcher tick ahead (callers only pass near ETAs).
        options["eta"] = eta
    try:
        app.send_task(task_name, args=[publication_id], **options)
    except Exception as exc:  # the broker is down: the sweep sends it again later
        log_event(
            "publish_enqueue_failed",
            publication_id=publication_id,
            platform=platform,
            error=type(exc).__name__,
        )
        return False
    return True


def publication_enqueue(*, publication_id: int, platform: str, eta: datetime | None = None) -> bool:
    """Send one publish message (the row must already be ``queued`` with ``enqueued_at`` set)."""
    return _send(
        publish_task_name(platform), publication_id=publication_id, platform=platform, eta=eta
    )


def publication_enqueue_check(
    *, publication_id: int, platform: str, eta: datetime | None = None
) -> bool:
    """Send one processing check (``eta`` at most ``PUBLISH_CHECK_INTERVAL_SECONDS`` ahead)."""
    return _send(CHECK_TASK_NAME, publication_id=publication_id, platform=platform, eta=eta)


def _claim_due(queryset_filter: Q, *, due_field: str, changes: dict[str, object]) -> list[DueRow]:
    """Lock a batch of due rows (skipping those another dispatcher holds) and mark them sent.

    On PostgreSQL ``SKIP LOCKED`` lets two beat processes split the work; on SQLite row locks do
    nothing, but the transaction is IMMEDIATE (one writer at a time) and the UPDATE repeats the
    due condition, so a row is still claimed once.
    """
    with transaction.atomic():
        rows = list(
            Publication.objects.select_for_update(skip_locked=True)
            .filter(queryset_filter)
            .order_by(due_field, "id")
            .values_list("id", "platform", due_field)[:DISPATCH_BATCH]
        )
        if not rows:
            return []
        ids = [row[0] for row in rows]
        updated = set(
            Publication.objects.filter(queryset_filter, id__in=ids).values_list("id", flat=True)
        )
        Publication.objects.filter(id__in=updated).update(**changes)
    return [DueRow(id=r[0], platform=r[1], due_at=r[2]) for r in rows if r[0] in updated]


def publications_dispatch_due(*, now: datetime | None = None) -> int:
    """Move due ``scheduled`` rows to ``queued`` and send every due, unsent ``queued`` row."""
    now = now or timezone.now()
    horizon = now + timedelta(seconds=settings.DISPATCH_INTERVAL_SECONDS)
    lost_before = now - timedelta(seconds=settings.PUBLISH_REDELIVER_SECONDS)

    scheduled = _claim_due(
        Q(status=PublicationStatus.SCHEDULED, scheduled_at__lte=horizon),
        due_field="scheduled_at",
        changes={
            "status": PublicationStatus.QUEUED,
            "queued_at": now,
            "next_attempt_at": F("scheduled_at"),
            "enqueued_at": now,
        },
    )
    queued = _claim_due(
        Q(status=PublicationStatus.QUEUED)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=horizon))
        & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost_before)),
        due_field="next_attempt_at",
        changes={"enqueued_at": now},
    )
    for row in [*scheduled, *queued]:
        publication_enqueue(publication_id=row.id, platform=row.platform, eta=row.due_at)
    if scheduled or queued:
        log_event("publish_dispatch", scheduled=len(scheduled), queued=len(queued))
    return len(scheduled) + len(queued)


def publications_check_processing_due(*, now: datetime | None = None) -> int:
    """Send a check for every processing publication that is due and has no check on its way.

    Each check schedules the next one itself (``publication_check``); this sweep (the
    ``check_processing`` beat task) only catches checks whose message was lost.
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
        changes={"enqueued_at": now},
    )
    for row in rows:
        publication_enqueue_check(publication_id=row.id, platform=row.platform)
    return len(rows)
