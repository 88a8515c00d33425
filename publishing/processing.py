"""Polling a platform that accepted an upload and is still processing it.

A processing row is ``publishing`` with its handle stored and no claim. ``publication_check``
(the check task) asks the platform once; while it is still processing, the check sends the next
one itself with a short ETA (sooner at first, then less often, up to
``PUBLISH_CHECK_INTERVAL_SECONDS``), and the beat sweep (``publishing.sweeps``) only replaces
checks whose message was lost. No worker ever sleeps waiting for a platform.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from platforms.models import ConnectionStatus
from platforms.providers import (
    AuthExpired,
    PermanentError,
    PlatformHandle,
    ProviderError,
    PublishState,
    RateLimited,
    Rejected,
    UploadIncomplete,
    get_provider,
)
from platforms.services import ConnectionRefreshFailed, connection_mark_expired, connection_refresh
from publishing import drafts, rules, transitions
from publishing.attempt import connection_for
from publishing.models import Publication, PublicationStatus
from publishing.queue import publication_enqueue_check


def _waiting(publication_id: int) -> transitions.Guard:
    """The row while it is still waiting for the platform (no claim, a handle stored)."""
    return Publication.objects.filter(
        pk=publication_id,
        status=PublicationStatus.PUBLISHING,
        claim_token__isnull=True,
        platform_handle__isnull=False,
    )


def publication_check(*, publication_id: int) -> None:
    """Ask the platform whether an accepted upload is ready (what the check task calls)."""
    now = timezone.now()
    waiting = _waiting(publication_id)
    row = waiting.values("started_at", "created_at").first()
    if row is None:
        return
    next_at = now + rules.next_check_delay(started=row["started_at"] or row["created_at"], now=now)
    if not transitions.check_claimed(
        waiting.filter(next_attempt_at__lte=now + rules.CLAIM_TOLERANCE),
        next_check_at=next_at,
        now=now,
    ):
        return
    publication = Publication.objects.select_related("clip", "clip__owner", "destination").get(
        pk=publication_id
    )
    started = publication.started_at or publication.created_at

    def fail(message: str, code: str, err: ProviderError | None = None) -> None:
        if transitions.failed(waiting, publication, message=message, code=code, err=err):
            publication.status = PublicationStatus.FAILED
            drafts.draft_discard(publication=publication, connection=connection)

    connection = connection_for(publication)
    if (now - started).total_seconds() > settings.PUBLISH_PROCESSING_TIMEOUT_SECONDS:
        fail(rules.processing_timeout_message(publication.platform), "processing_timeout")
        return
    if connection is None or connection.status == ConnectionStatus.REVOKED:
        fail(
            rules.disconnected_after_upload_message(publication.platform),
            "disconnected_after_upload",
        )
        return
    if not connection.is_active:
        fail(rules.AUTH_EXPIRED_MESSAGE + rules.AFTER_RECONNECT_HINT, "auth_expired")
        return
    provider = get_provider(publication.platform)
    handle = PlatformHandle.from_json(publication.platform_handle or {})
    try:
        try:
            result = provider.check(
                credentials=publication.destination.credentials(connection), handle=handle
            )
        except AuthExpired:
            connection = connection_refresh(connection=connection)
            result = provider.check(
                credentials=publication.destination.credentials(connection), handle=handle
            )
    except UploadIncomplete as err:
        _back_to_retry(publication, waiting, err)
        return
    except RateLimited as err:
        transitions.rescheduled(
            waiting,
            publication,
            next_at=timezone.now() + timedelta(seconds=max(err.retry_after, 1.0)),
            reason="rate_limited_check",
        )
        return
    except AuthExpired as err:
        connection_mark_expired(connection=connection, reason=err.user_message)
        fail(rules.AUTH_EXPIRED_MESSAGE, "auth_expired", err)
        return
    except ConnectionRefreshFailed as err:
        fail(rules.AUTH_EXPIRED_MESSAGE, "auth_expired", err)
        return
    except Rejected as err:
        fail(err.user_message, "rejected", err)
        return
    except PermanentError as err:
        fail(err.user_message, str(err.code or "permanent"), err)
        return
    except ProviderError:
        publication_enqueue_check(publication_id=publication.pk, eta=next_at)
        return  # transient: the next check asks again
    if result.state == PublishState.PROCESSING:
        if result.handle != handle:  # a step done (a Клип edited): never done again
            transitions.handle_stored(waiting, handle=result.handle)
        publication_enqueue_check(publication_id=publication.pk, eta=next_at)
        return
    transitions.published(waiting, publication, result=result)


def _back_to_retry(
    publication: Publication, waiting: transitions.Guard, err: ProviderError
) -> None:
    """The platform never got the whole file: back to the retry path, resuming the handle —
    or, with no attempt left or a cancel requested, the end. (The platform says the post does
    not exist, so a requested cancel is honoured.)"""
    if publication.cancel_requested_at is not None:
        if transitions.cancelled(waiting, publication, reason="cancel_requested"):
            publication.status = PublicationStatus.CANCELLED
            drafts.draft_discard(publication=publication, connection=connection_for(publication))
        return
    delay = rules.retry_delay(attempts=publication.attempts)
    if delay is None:
        transitions.failed(
            waiting,
            publication,
            message=rules.final_transient_message(publication.platform, publication.attempts, err),
            code="transient_exhausted",
            err=err,
        )
        return
    transitions.requeued(
        waiting,
        publication,
        next_at=timezone.now() + timedelta(seconds=delay),
        message=err.user_message,
        reason="upload_incomplete",
        bytes_sent=None,
    )
