"""One publish attempt: claim the row, call the platform, record what came of it.

``publication_execute`` is what a publish task runs. It claims the row (``queued`` →
``publishing`` with a claim token and a lease); a delivery that finds nothing to claim
(duplicate message, second dispatcher, already done) exits. Every write during the attempt is
guarded by the claim token, so a worker that lost its claim (lease expired, reaped) cannot
overwrite what the next one does; the writes themselves are ``publishing.transitions``. No
database transaction is open during a platform call.

What the attempt hands the platform is read by ``publishing.attempt_inputs`` (re-exported).
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from clipmaker.logging import log_event
from clipmaker.request_context import log_context_bind
from platforms.destinations import destination_mark_unreachable
from platforms.models import PlatformConnection
from platforms.providers import (
    AuthExpired,
    ClipFile,
    ClipFileMissing,
    PermanentError,
    PlatformHandle,
    PlatformProvider,
    ProviderError,
    PublishResult,
    PublishState,
    RateLimited,
    Rejected,
    TransientError,
    UploadIncomplete,
    get_provider,
    provider_class,
)
from platforms.services import (
    ConnectionRefreshFailed,
    connection_mark_expired,
    connection_refresh,
)
from publishing import drafts, ratelimit, rules, texts, transitions
from publishing.attempt_inputs import clip_file as clip_file
from publishing.attempt_inputs import connection_for as connection_for
from publishing.attempt_inputs import publish_meta as publish_meta
from publishing.models import Publication, PublicationStatus
from publishing.queue import publication_enqueue_check

logger = logging.getLogger(__name__)

# Progress is written at most this often (seconds).
PROGRESS_WRITE_INTERVAL = 1.0
# How soon a publication re-tries after our own rate limiter said "wait" (added to the wait).
LOCAL_RATE_LIMIT_SLACK = 0.05
# The shortest re-delay after a platform said 429, whatever its Retry-After.
MIN_RATE_LIMIT_DELAY = 1.0


class _ClaimLost(Exception):
    """Our claim on the row is gone (reaped after the lease expired): stop at once."""


def publication_execute(*, publication_id: int) -> None:
    """Run one publish attempt for a queued, due publication (what the publish task calls)."""
    now = timezone.now()
    publication = (
        Publication.objects.select_related("clip", "clip__owner", "destination")
        .filter(pk=publication_id)
        .first()
    )
    if publication is None or publication.status != PublicationStatus.QUEUED:
        return
    if publication.next_attempt_at and publication.next_attempt_at > now + rules.CLAIM_TOLERANCE:
        # Delivered before it is due (a redelivered message): the dispatcher sends it in time.
        transitions.sent(
            Publication.objects.filter(
                pk=publication.pk,
                status=PublicationStatus.QUEUED,
                next_attempt_at=publication.next_attempt_at,
            ),
            now=None,
        )
        return
    connection = connection_for(publication)
    if connection is not None and connection.is_active:
        wait = ratelimit.acquire(
            platform=publication.platform,
            account=str(connection.pk),
            destination=str(publication.destination_id),
        )
        if wait > 0:
            _redelay_unclaimed(publication, seconds=wait + LOCAL_RATE_LIMIT_SLACK)
            return
    token = uuid.uuid4()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + rules.CLAIM_TOLERANCE)
    guard = Publication.objects.filter(due, pk=publication.pk, status=PublicationStatus.QUEUED)
    # The claim records what this attempt sends of the text: the rule the adapter applies to
    # the same meta (publishing/texts.py), written in the claim's own UPDATE.
    sent = texts.publication_sent_text(publication)
    if transitions.claimed(guard, publication, token=token, now=now, sent=sent):
        if connection is not None:  # the claim reloaded the row and its destination
            publication.destination.connection = connection
        # Every line logged during the attempt (providers', refreshes') names what it was for.
        log_context_bind(
            publication_id=publication.pk,
            clip_id=publication.clip_id,
            user_id=publication.clip.owner_id,
            platform=publication.platform,
        )
        _Attempt(publication, token).run(connection)


def _redelay_unclaimed(publication: Publication, *, seconds: float) -> None:
    now = timezone.now()
    # Only the row as this delivery found it (still due, same attempt): a duplicate delivery
    # must not shorten the back-off another worker has just set.
    still_due = Publication.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + rules.CLAIM_TOLERANCE),
        pk=publication.pk,
        status=PublicationStatus.QUEUED,
        attempts=publication.attempts,
    )
    transitions.rescheduled(
        still_due,
        publication,
        next_at=now + timedelta(seconds=seconds),
        reason="rate_limit_local",
    )


class _Attempt:
    """One claimed attempt; every write is guarded by the claim token."""

    def __init__(self, publication: Publication, token: uuid.UUID) -> None:
        self.pub = publication
        self.token = token
        self.started = time.monotonic()
        self._last_progress = 0.0
        self.connection: PlatformConnection | None = None

    def _mine(self) -> transitions.Guard:
        return Publication.objects.filter(pk=self.pub.pk, claim_token=self.token)

    def _duration(self) -> dict[str, Any]:
        return {"duration_ms": round((time.monotonic() - self.started) * 1000)}

    def _lost(self, moved: bool) -> None:
        if not moved:
            log_event(
                "publish_claim_lost",
                level=logging.WARNING,
                publication_id=self.pub.pk,
                platform=self.pub.platform,
            )

    # Callbacks the provider calls ----------------------------------------------------------

    def on_handle(self, handle: PlatformHandle) -> None:
        # Stored before any byte goes out, so a retry finds this video instead of making one.
        if not transitions.handle_stored(self._mine(), handle=handle):
            self._lost(False)
            raise _ClaimLost
        self.pub.platform_handle = handle.to_json()

    def progress(self, sent: int) -> None:
        now = time.monotonic()
        if self._last_progress and now - self._last_progress < PROGRESS_WRITE_INTERVAL:
            return
        self._last_progress = now
        transitions.progressed(self._mine(), sent_bytes=sent)

    def stored_handle(self) -> PlatformHandle | None:
        value = self._mine().values_list("platform_handle", flat=True).first()
        return PlatformHandle.from_json(value) if value else None

    def known_handle(self) -> PlatformHandle | None:
        """The handle as of the claim, or as this attempt stored it since: while the claim is
        ours, nobody else writes it (no query needed before each platform call)."""
        value = self.pub.platform_handle
        return PlatformHandle.from_json(value) if value else None

    # Outcomes ------------------------------------------------------------------------------

    def published(self, result: PublishResult) -> None:
        self._lost(transitions.published(self._mine(), self.pub, result=result, **self._duration()))

    def processing(self, result: PublishResult) -> None:
        now = timezone.now()
        next_at = now + rules.next_check_delay(started=self.pub.started_at or now, now=now)
        if transitions.processing(
            self._mine(), self.pub, result=result, next_check_at=next_at, **self._duration()
        ):
            publication_enqueue_check(publication_id=self.pub.pk, eta=next_at)
        else:
            self._lost(False)

    def fail(self, message: str, *, code: str, err: ProviderError | None = None) -> None:
        moved = transitions.failed(
            self._mine(), self.pub, message=message, code=code, err=err, **self._duration()
        )
        self._lost(moved)
        if moved:
            drafts.draft_discard(publication=self.pub, connection=self.connection)

    def cancel(self, *, reason: str = "cancel_requested", message: str = "") -> None:
        moved = bool(
            transitions.cancelled(
                self._mine(), self.pub, reason=reason, message=message, **self._duration()
            )
        )
        self._lost(moved)
        if moved:
            drafts.draft_discard(publication=self.pub, connection=self.connection)

    def _cancel_instead(self, *, body_sent: bool) -> bool:
        """A cancel was requested and honouring it cannot hide a post: nothing went out whole
        and the platform cannot already hold the clip."""
        return (
            not body_sent
            and not rules.platform_may_have_it(self.pub)
            and self._mine().filter(cancel_requested_at__isnull=False).exists()
        )

    def requeue(
        self, *, delay: float, reason: str, message: str, use_attempt: bool, body_sent: bool = False
    ) -> None:
        """Back to ``queued`` for a later attempt. ``body_sent``: the whole clip went out and
        the answer was lost; the row remembers it so that nobody can cancel it."""
        if self._cancel_instead(body_sent=body_sent):
            self.cancel()
            return
        self._lost(
            transitions.requeued(
                self._mine(),
                self.pub,
                next_at=timezone.now() + timedelta(seconds=delay),
                message=message,
                reason=reason,
                use_attempt=use_attempt,
                bytes_sent=F("bytes_total") if body_sent else 0,
                **self._duration(),
            )
        )

    def retry_or_fail(self, err: TransientError) -> None:
        delay = rules.retry_delay(attempts=self.pub.attempts)
        if delay is None:
            if self._cancel_instead(body_sent=err.body_sent):
                self.cancel()
                return
            self.fail(
                rules.final_transient_message(self.pub.platform, self.pub.attempts, err),
                code="transient_exhausted",
                err=err,
            )
            return
        self.requeue(
            delay=delay,
            reason="transient",
            message=err.user_message,
            use_attempt=True,
            body_sent=err.body_sent,
        )

    # The attempt ---------------------------------------------------------------------------

    def run(self, connection: PlatformConnection | None) -> None:
        pub = self.pub
        self.connection = connection
        if pub.cancel_requested_at is not None and not rules.platform_may_have_it(pub):
            self.cancel()
            return
        refusal = rules.start_refusal(pub, connection=connection)
        if refusal is not None:
            code, message, cancel = refusal
            if cancel:
                self.cancel(reason=code, message=message)
            else:
                self.fail(message, code=code)
            return
        assert connection is not None  # start_refusal() refuses a missing connection
        try:
            provider = get_provider(pub.platform)
            clip = clip_file(pub, provider)
            if clip.size > provider.max_file_size_bytes():
                self.fail(rules.file_too_big_message(pub.platform), code="file_too_big")
                return
            result = self._publish(provider, connection, clip)
            if result.state == PublishState.PROCESSING:
                # Most platforms answer "processing" right after the upload; one quick look
                # often finds the video ready, saving a whole polling interval.
                with contextlib.suppress(ProviderError):
                    result = provider.check(
                        credentials=pub.destination.credentials(connection), handle=result.handle
                    )
        except _ClaimLost:
            return
        except ProviderError as err:
            self._handle_error(connection, err)
            return
        except Exception as exc:
            # A bug, not a platform answer: never blindly re-send (that could post twice).
            logger.exception("publish attempt crashed")
            self.fail(rules.INTERNAL_ERROR_MESSAGE, code=f"internal:{type(exc).__name__}")
            return
        if result.state == PublishState.PUBLISHED:
            self.published(result)
        else:
            self.processing(result)

    def _publish(
        self, provider: PlatformProvider, connection: PlatformConnection, clip: ClipFile
    ) -> PublishResult:
        from celery.exceptions import SoftTimeLimitExceeded

        def call(conn: PlatformConnection) -> PublishResult:
            try:
                return provider.publish(
                    # The connection's credentials aimed at the destination (VK group_id,
                    # Telegram chat_id ...).
                    credentials=self.pub.destination.credentials(conn),
                    clip=clip,
                    meta=publish_meta(self.pub),
                    resume=self.known_handle(),
                    progress=self.progress,
                    on_handle=self.on_handle,
                )
            except SoftTimeLimitExceeded:
                # We stopped sending: the platform did not get the whole file.
                raise TransientError(
                    rules.time_limit_message(self.pub.platform),
                    platform=self.pub.platform,
                    code="time_limit",
                ) from None

        try:
            return call(connection)
        except AuthExpired:
            # Refreshed once under the connection's lock; a refusal has already marked the
            # connection expired (ConnectionRefreshFailed is a PermanentError).
            return call(connection_refresh(connection=connection))

    def _handle_error(self, connection: PlatformConnection, err: ProviderError) -> None:
        """The error table of DESIGN.md."""
        pub = self.pub
        if isinstance(err, ConnectionRefreshFailed):
            self.fail(rules.AUTH_EXPIRED_MESSAGE, code="auth_expired", err=err)
        elif isinstance(err, AuthExpired):
            # Refused even right after a refresh (or a token platform): the user must reconnect.
            connection_mark_expired(connection=connection, reason=err.user_message)
            self.fail(rules.AUTH_EXPIRED_MESSAGE, code="auth_expired", err=err)
        elif isinstance(err, RateLimited):
            if rules.rate_limited_too_long(pub, now=timezone.now()):
                self.fail(
                    rules.rate_limited_too_long_message(pub.platform), code="rate_limited", err=err
                )
                return
            # Never sooner than a second: "Retry-After: 0" must not turn into a tight loop.
            self.requeue(
                delay=max(err.retry_after, MIN_RATE_LIMIT_DELAY),
                reason="rate_limited",
                message=err.user_message,
                use_attempt=False,
            )
        elif isinstance(err, ClipFileMissing):
            self.fail(rules.FILE_MISSING_MESSAGE, code="clip_file_missing", err=err)
        elif isinstance(err, Rejected):
            self.fail(err.user_message, code="rejected", err=err)
        elif isinstance(err, PermanentError):
            if provider_class(pub.platform).place_lost(err):
                # The channel is out of reach: the place shows it now, not «работает».
                destination_mark_unreachable(destination=pub.destination, detail=err.user_message)
            self.fail(err.user_message, code=str(err.code or "permanent"), err=err)
        elif (
            err.body_sent and self.stored_handle() is None and not isinstance(err, UploadIncomplete)
        ):
            # The whole clip went out and no answer came back, on a platform that gives no
            # handle before the upload: it may be posted. Re-sending could post it twice.
            self.fail(
                rules.outcome_unknown_message(pub.platform, title=pub.title),
                code="outcome_unknown",
                err=err,
            )
        elif isinstance(err, TransientError):
            self.retry_or_fail(err)
        else:
            self.retry_or_fail(
                TransientError(err.user_message, platform=err.platform, status=err.status)
            )
