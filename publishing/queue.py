"""Messages to the workers: which task, on which queue, for which publication.

Each platform has its own publish task (``publishing.tasks.publish_<platform>``) on its own
queue, so the per-platform Celery ``rate_limit`` applies to that platform only; both are derived
from the provider registry. Control work — the dispatcher, the reaper, processing checks, stats
and token refresh — goes to the ``control`` queue, which no upload ever occupies. Messages carry
only a publication id; the database says what is due, so a lost or duplicated message is
harmless (the dispatcher re-sends, the claim lets one delivery through).

A send never waits on the broker for long: no result is subscribed (``ignore_result``; the
result backend would retry its connection for over a minute when Redis is down), and the
publish itself gives up after ``CELERY_TASK_PUBLISH_RETRY_POLICY``. A send that failed clears
the row's ``enqueued_at`` (``transitions.sent(now=None)``), so the dispatcher's next tick sends
it again instead of waiting ``PUBLISH_REDELIVER_SECONDS`` for a message that never left.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from clipmaker.celery import app
from clipmaker.logging import log_event
from clipmaker.queues import CONTROL_QUEUE, publish_queue
from publishing import transitions
from publishing.models import Publication, PublicationStatus

CHECK_TASK_NAME = "publishing.tasks.check_publication"


def publish_task_name(platform: str) -> str:
    return f"publishing.tasks.publish_{platform}"


def _send(
    task_name: str,
    *,
    publication_id: int,
    queue: str,
    eta: datetime | None,
    unsent: transitions.Guard,
) -> bool:
    """Send one message; when it cannot go out, ``unsent`` (the row as the sender left it)
    forgets it was sent, so that the dispatcher sends it on its next tick."""
    options: dict[str, object] = {"queue": queue, "ignore_result": True}
    if eta is not None and eta > timezone.now():
        # Never more than one dispatcher tick or one check interval ahead (callers only pass
        # near ETAs): a long ETA on the broker is redelivered or lost (DESIGN.md).
        options["eta"] = eta
    try:
        app.send_task(task_name, args=[publication_id], **options)
    except Exception as exc:  # the broker is down: the dispatcher's sweep sends it again later
        log_event(
            "publish_enqueue_failed",
            publication_id=publication_id,
            task=task_name,
            error=type(exc).__name__,
        )
        transitions.sent(unsent, now=None)
        return False
    return True


def publication_enqueue(*, publication_id: int, platform: str, eta: datetime | None = None) -> bool:
    """Send one publish message (the row must already be ``queued`` with ``enqueued_at`` set)."""
    return _send(
        publish_task_name(platform),
        publication_id=publication_id,
        queue=publish_queue(platform),
        eta=eta,
        unsent=Publication.objects.filter(
            pk=publication_id, status=PublicationStatus.QUEUED, claim_token__isnull=True
        ),
    )


def publication_enqueue_check(*, publication_id: int, eta: datetime | None = None) -> bool:
    """Send one processing check (``eta`` at most ``PUBLISH_CHECK_INTERVAL_SECONDS`` ahead)."""
    return _send(
        CHECK_TASK_NAME,
        publication_id=publication_id,
        queue=CONTROL_QUEUE,
        eta=eta,
        unsent=Publication.objects.filter(
            pk=publication_id, status=PublicationStatus.PUBLISHING, claim_token__isnull=True
        ),
    )
