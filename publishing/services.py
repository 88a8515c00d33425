"""Publishing: create, cancel and retry publications, and run one publish attempt.

Every state change is a conditional UPDATE on the row (``filter(id=..., status=...)``) so two
processes can never both move one publication; a worker's writes during an attempt are guarded
by its claim token, so a worker that lost its claim (lease expired, reaped) cannot overwrite
what the next one does. No database transaction is ever open during a platform call.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from clipmaker.accounts.models import PLAN_PLATFORMS, Plan, User
from clipmaker.clips.models import Clip
from clipmaker.clips.signing import clip_signed_url
from clipmaker.logging import log_event
from platforms.constants import Platform, agree
from platforms.models import ConnectionStatus, PlatformConnection
from platforms.providers import (
    AuthExpired,
    ClipFile,
    ClipFileMissing,
    PermanentError,
    PlatformHandle,
    PlatformProvider,
    ProviderError,
    PublishMeta,
    PublishResult,
    PublishState,
    RateLimited,
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
from publishing import ratelimit
from publishing.dispatch import publication_enqueue, publication_enqueue_check
from publishing.models import Publication, PublicationStatus

logger = logging.getLogger(__name__)

# A task may arrive a little before its ETA (clock skew between hosts): still claim it.
CLAIM_TOLERANCE = timedelta(seconds=1)
# Progress is written at most this often (seconds).
PROGRESS_WRITE_INTERVAL = 1.0
# The first processing check comes this soon after the upload; later ones wait a quarter of
# the time spent so far, up to PUBLISH_CHECK_INTERVAL_SECONDS (short clips are ready fast).
FIRST_CHECK_DELAY = 0.5
# How soon a publication re-tries after our own rate limiter said "wait" (added to the wait).
LOCAL_RATE_LIMIT_SLACK = 0.05
# The shortest re-delay after a platform said 429, whatever its Retry-After.
MIN_RATE_LIMIT_DELAY = 1.0

# Platforms whose whole send is one small create call that returns the first handle and counts
# no bytes: a claimed row with no handle may already have created the post there.
SENDS_BEFORE_HANDLE_UNCOUNTED = frozenset({Platform.RUTUBE})

AUTH_EXPIRED_MESSAGE = "Токен истёк, переподключите платформу в настройках."
AFTER_RECONNECT_HINT = " Потом нажмите «Повторить»: КлипМейкер проверит уже загруженный клип."
FILE_MISSING_MESSAGE = "Файл клипа не найден. Загрузите клип заново."
ACTIVE_STATUSES = (PublicationStatus.SCHEDULED, PublicationStatus.QUEUED)


class PublicationError(Exception):
    """Base of the errors the pages and the API show to the user."""


class PublicationValidationError(PublicationError):
    """The request cannot be published as asked (API 400); nothing was created."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(m for msgs in errors.values() for m in msgs))


class PublicationConflict(PublicationValidationError):
    """A publication of this clip is already scheduled or in progress there (API 409)."""


class PublicationStateError(PublicationError):
    """The publication is not in a state that allows this action (API 409)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _label(platform: str) -> str:
    try:
        return str(Platform(platform).label)
    except ValueError:
        return platform


# --- Checks --------------------------------------------------------------------------------


def _plans_allowing(platform: str) -> list[str]:
    return [str(Plan(p).label) for p, allowed in PLAN_PLATFORMS.items() if platform in allowed]


def _file_too_big_message(platform: str) -> str:
    limit = provider_class(platform).max_file_size_label()
    return f"Файл слишком большой для {_label(platform)} (максимум {limit}). Сократите или пережмите клип."


def _in_flight_message(platform: str) -> str:
    return (
        f"Этот клип уже запланирован или публикуется в {_label(platform)}. "
        "Дождитесь окончания или отмените ту публикацию."
    )


def _check(
    *, user: User, clip: Clip, platforms: Sequence[str], scheduled_at: datetime | None
) -> tuple[dict[str, list[str]], set[str]]:
    """(errors by key, platforms whose only problem is a publication already in flight)."""
    errors: dict[str, list[str]] = {}
    conflicts: set[str] = set()

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not platforms:
        add("platforms", "Выберите хотя бы одну платформу.")
    if not clip.is_ready:
        add("clip", "Клип ещё не готов. Дождитесь окончания обработки и опубликуйте снова.")
    if scheduled_at is not None:
        if timezone.is_naive(scheduled_at):
            scheduled_at = timezone.make_aware(scheduled_at)
        if scheduled_at < timezone.now():
            add("scheduled_at", "Это время уже прошло. Выберите время публикации в будущем.")

    known = [p for p in dict.fromkeys(platforms) if p in Platform.values]
    for platform in dict.fromkeys(platforms):
        if platform not in Platform.values:
            add(
                str(platform),
                f"Неизвестная платформа «{platform}». Выберите VK Клипы, Rutube, Дзен или Telegram.",
            )
    connections = {
        c.platform: c for c in PlatformConnection.objects.filter(user=user, platform__in=known)
    }
    busy = set(
        Publication.objects.filter(
            clip=clip,
            platform__in=known,
            status__in=[
                PublicationStatus.SCHEDULED,
                PublicationStatus.QUEUED,
                PublicationStatus.PUBLISHING,
            ],
        ).values_list("platform", flat=True)
    )
    for platform in known:
        label = _label(platform)
        before = len(errors.get(platform, []))
        if not user.plan_allows(platform):
            plans = ", ".join(_plans_allowing(platform))
            add(
                platform,
                f"Публикация в {label} недоступна на тарифе {user.get_plan_display()}. "
                f"Перейдите на тариф {plans}.",
            )
        conn = connections.get(platform)
        if conn is None or conn.status == ConnectionStatus.REVOKED:
            add(platform, f"Подключите {label} в настройках.")
        elif conn.status != ConnectionStatus.ACTIVE:
            add(platform, AUTH_EXPIRED_MESSAGE)
        if clip.size_bytes > provider_class(platform).max_file_size_bytes():
            add(platform, _file_too_big_message(platform))
        if platform in busy:
            add(platform, _in_flight_message(platform))
            if len(errors[platform]) == before + 1:
                conflicts.add(platform)
    return errors, conflicts


def publication_check_platforms(
    *,
    user: User,
    clip: Clip,
    platforms: Sequence[str],
    scheduled_at: datetime | None = None,
) -> dict[str, list[str]]:
    """Why each platform cannot be published to now (Russian messages); empty when all can.

    No writes. Keys are platform values, plus ``clip``, ``platforms`` and ``scheduled_at``.
    """
    errors, _ = _check(user=user, clip=clip, platforms=platforms, scheduled_at=scheduled_at)
    return errors


def _raise_for(errors: dict[str, list[str]], conflicts: set[str]) -> None:
    if not errors:
        return
    if conflicts and set(errors) == conflicts:
        raise PublicationConflict(errors)
    raise PublicationValidationError(errors)


def publication_create(
    *,
    user: User,
    clip: Clip,
    platforms: Sequence[str],
    scheduled_at: datetime | None = None,
    title: str | None = None,
    description: str | None = None,
) -> list[Publication]:
    """One publication per platform, scheduled or queued at once; all or nothing.

    Raises ``PublicationValidationError`` (nothing created) or ``PublicationConflict`` when
    the only problem is a publication already in flight (also when a concurrent request won
    the race to the partial unique constraint).
    """
    platforms = list(dict.fromkeys(platforms))
    errors, conflicts = _check(user=user, clip=clip, platforms=platforms, scheduled_at=scheduled_at)
    _raise_for(errors, conflicts)
    if scheduled_at is not None and timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)

    now = timezone.now()
    title = (title if title is not None and title.strip() else clip.title)[:255]
    description = description if description is not None else clip.description
    created: list[Publication] = []
    try:
        with transaction.atomic():
            for platform in platforms:
                publication = Publication(
                    clip=clip,
                    platform=platform,
                    title=title,
                    description=description,
                    bytes_total=clip.size_bytes,
                    created_by=user,
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
                created.append(publication)
            to_send = [(p.pk, p.platform) for p in created if p.status == PublicationStatus.QUEUED]
            transaction.on_commit(lambda: _enqueue_all(to_send))
    except IntegrityError:
        # Another request created one of them between our check and our insert.
        errors, conflicts = _check(user=user, clip=clip, platforms=platforms, scheduled_at=None)
        if not errors:
            errors = {p: [_in_flight_message(p)] for p in platforms}
            conflicts = set(platforms)
        raise PublicationConflict(errors) from None
    for publication in created:
        log_event(
            "publication_created",
            publication_id=publication.pk,
            clip_id=clip.pk,
            platform=publication.platform,
            user_id=user.pk,
            status=publication.status,
            scheduled_at=scheduled_at.isoformat() if scheduled_at else None,
        )
    return created


def _enqueue_all(rows: list[tuple[int, str]]) -> None:
    for publication_id, platform in rows:
        publication_enqueue(publication_id=publication_id, platform=platform)


def platform_may_have_it(publication: Publication) -> bool:
    """Whether the platform may already hold this clip, so that cancelling would not stop the
    post: its handle says the file went in, or a whole body went out and the answer was lost
    (``bytes_sent`` is kept at the total for a retry after that)."""
    if publication.platform_handle is None:
        return False
    handle = PlatformHandle.from_json(publication.platform_handle)
    return provider_class(publication.platform).holds_upload(handle) or (
        publication.bytes_total > 0 and publication.bytes_sent >= publication.bytes_total
    )


def _may_have_it_message(platform: str) -> str:
    return (
        f"Клип, возможно, уже передан в {_label(platform)}: КлипМейкер проверит это при "
        "следующей попытке и не отправит его второй раз. Отменить публикацию нельзя; если пост "
        "не нужен, удалите его на платформе."
    )


def _disconnected_after_upload_message(platform: str) -> str:
    label = _label(platform)
    return (
        f"{label} {agree(platform, 'отключён', 'отключены')}, а клип уже был передан "
        "платформе: узнать, чем закончилась "
        f"публикация, КлипМейкер не может. Проверьте канал в {label}; чтобы проверил "
        f"КлипМейкер, подключите {label} снова и нажмите «Повторить»."
    )


def publication_cancel(*, publication: Publication) -> Publication:
    """Cancel a scheduled or queued publication.

    One whose file is being sent is not interrupted mid-body: it is marked
    ``cancel_requested_at`` and the engine cancels it at its next transition instead of
    retrying it (if that upload succeeds, the post exists and the publication ends
    ``published``). One the platform already has (processing) or that has ended cannot be
    cancelled: ``PublicationStateError``.
    """
    now = timezone.now()
    for _ in range(3):
        publication.refresh_from_db()
        if publication.status in ACTIVE_STATUSES:
            if platform_may_have_it(publication):
                raise PublicationStateError(_may_have_it_message(publication.platform))
            # The handle only changes under a claim (status publishing), so the status guard
            # also keeps the check above true.
            moved = Publication.objects.filter(pk=publication.pk, status=publication.status).update(
                status=PublicationStatus.CANCELLED,
                error_message="",  # a retry's «повторится автоматически» no longer holds
                finished_at=now,
                next_attempt_at=None,
                enqueued_at=None,
                updated_at=now,
            )
            if moved:
                break
            continue
        if publication.status == PublicationStatus.PUBLISHING:
            if publication.claim_token is None:
                raise PublicationStateError(
                    f"Клип уже загружен в {_label(publication.platform)} и обрабатывается "
                    "платформой — отменить публикацию нельзя. Если пост не нужен, удалите его "
                    "на платформе."
                )
            moved = Publication.objects.filter(
                pk=publication.pk,
                status=PublicationStatus.PUBLISHING,
                claim_token=publication.claim_token,
            ).update(cancel_requested_at=now, updated_at=now)
            if moved:
                break
            continue
        raise PublicationStateError(
            "Публикация уже завершена — отменить её нельзя."
            if publication.status != PublicationStatus.CANCELLED
            else "Публикация уже отменена."
        )
    else:
        raise PublicationStateError("Публикация как раз меняет состояние. Обновите страницу.")
    publication.refresh_from_db()
    log_event(
        "publication_cancelled",
        publication_id=publication.pk,
        platform=publication.platform,
        status=publication.status,
        cancel_requested=publication.cancel_requested_at is not None,
    )
    return publication


def publication_retry(*, publication: Publication) -> Publication:
    """Queue a failed publication again with a fresh set of attempts.

    The stored platform handle is kept: if the platform did get the video before the failure,
    the new attempt finds it there instead of posting a second one.
    """
    now = timezone.now()
    if publication.status != PublicationStatus.FAILED:
        raise PublicationStateError(
            "Повторить можно только публикацию, которая завершилась ошибкой."
        )
    try:
        with transaction.atomic():
            moved = Publication.objects.filter(
                pk=publication.pk, status=PublicationStatus.FAILED
            ).update(
                status=PublicationStatus.QUEUED,
                attempts=0,
                queued_at=now,
                next_attempt_at=now,
                enqueued_at=now,
                finished_at=None,
                error_message="",
                error_code="",
                bytes_sent=0,
                claim_token=None,
                lease_expires_at=None,
                cancel_requested_at=None,
                updated_at=now,
            )
            if moved:
                pid, platform = publication.pk, publication.platform
                transaction.on_commit(
                    lambda: publication_enqueue(publication_id=pid, platform=platform)
                )
    except IntegrityError:
        raise PublicationStateError(_in_flight_message(publication.platform)) from None
    if not moved:
        raise PublicationStateError(
            "Повторить можно только публикацию, которая завершилась ошибкой."
        )
    publication.refresh_from_db()
    log_event("publication_retried", publication_id=publication.pk, platform=publication.platform)
    return publication


def publication_cancel_for_disconnect(*, user: User, platform: str) -> int:
    """Cancel the user's scheduled and queued publications to a platform being disconnected.

    Uploads already running are asked to stop at their next transition. Returns how many
    scheduled/queued ones were cancelled (what ``publication_pending_count`` showed).
    """
    now = timezone.now()
    mine = Publication.objects.filter(clip__owner=user, platform=platform)
    waiting = mine.filter(status__in=ACTIVE_STATUSES)
    # A retry of a clip the platform may already have is not cancelled (that could report
    # "cancelled" for a live post): its next attempt ends it with a message saying so.
    delivered = [
        p.pk for p in waiting.filter(platform_handle__isnull=False) if platform_may_have_it(p)
    ]
    cancelled = waiting.exclude(pk__in=delivered).update(
        status=PublicationStatus.CANCELLED,
        finished_at=now,
        next_attempt_at=None,
        enqueued_at=None,
        error_message=f"Отменено: {_label(platform)} отключена от КлипМейкера.",
        updated_at=now,
    )
    mine.filter(status=PublicationStatus.PUBLISHING, claim_token__isnull=False).update(
        cancel_requested_at=now, updated_at=now
    )
    if cancelled:
        log_event(
            "publications_cancelled_for_disconnect",
            user_id=user.pk,
            platform=platform,
            cancelled=cancelled,
        )
    return cancelled


# --- Retry arithmetic ----------------------------------------------------------------------


def retry_delay(*, attempts: int) -> float | None:
    """Seconds before the next try after ``attempts`` tries failed, or None when none is left."""
    delays = settings.PUBLISH_RETRY_DELAYS
    if attempts < 1 or attempts > len(delays):
        return None
    return float(delays[attempts - 1])


def _final_transient_message(platform: str, attempts: int, err: ProviderError | None) -> str:
    status = f" (ошибка {err.status})" if err is not None and err.status else ""
    return (
        f"Не удалось опубликовать в {_label(platform)} после {attempts} попыток: платформа "
        f"временно недоступна{status}. Нажмите «Повторить», чтобы попробовать ещё раз."
    )


def _outcome_unknown_message(platform: str) -> str:
    label = _label(platform)
    return (
        f"Связь с {label} прервалась после отправки клипа, и неизвестно, опубликован ли он. "
        f"Проверьте {label}: если поста нет, нажмите «Повторить»."
    )


# --- One attempt ---------------------------------------------------------------------------


class _ClaimLost(Exception):
    """Our claim on the row is gone (reaped after the lease expired): stop at once."""


class _Attempt:
    """One claimed publish attempt; every write is guarded by the claim token."""

    def __init__(self, publication: Publication, token: uuid.UUID) -> None:
        self.pub = publication
        self.token = token
        self.started = time.monotonic()
        self._last_progress = 0.0

    # Guarded writes ------------------------------------------------------------------------

    def _mine(self) -> Any:
        return Publication.objects.filter(pk=self.pub.pk, claim_token=self.token)

    def _write(self, **changes: Any) -> bool:
        changes.setdefault("updated_at", timezone.now())
        if self._mine().update(**changes):
            return True
        log_event(
            "publish_claim_lost",
            level=logging.WARNING,
            publication_id=self.pub.pk,
            platform=self.pub.platform,
        )
        return False

    def _cancel_instead(self, *, body_sent: bool) -> bool:
        """A cancel was requested and honouring it cannot hide a post: nothing went out whole
        and the platform cannot already hold the clip."""
        return (
            not body_sent
            and not platform_may_have_it(self.pub)
            and self._mine().filter(cancel_requested_at__isnull=False).exists()
        )

    def on_handle(self, handle: PlatformHandle) -> None:
        # Stored before any byte goes out, so a retry finds this video instead of making one.
        if not self._write(platform_handle=handle.to_json(), platform_video_id=handle.id[:128]):
            raise _ClaimLost
        self.pub.platform_handle = handle.to_json()

    def progress(self, sent: int) -> None:
        now = time.monotonic()
        if self._last_progress and now - self._last_progress < PROGRESS_WRITE_INTERVAL:
            return
        self._last_progress = now
        self._mine().update(bytes_sent=sent)

    def stored_handle(self) -> PlatformHandle | None:
        value = self._mine().values_list("platform_handle", flat=True).first()
        return PlatformHandle.from_json(value) if value else None

    # Outcomes ------------------------------------------------------------------------------

    def _fields(self, **extra: Any) -> dict[str, Any]:
        return {
            "publication_id": self.pub.pk,
            "platform": self.pub.platform,
            "attempt": self.pub.attempts,
            "clip_id": self.pub.clip_id,
            "duration_ms": round((time.monotonic() - self.started) * 1000),
            **extra,
        }

    def published(self, result: PublishResult) -> None:
        now = timezone.now()
        if self._write(
            status=PublicationStatus.PUBLISHED,
            published_at=now,
            finished_at=now,
            platform_handle=result.handle.to_json(),
            platform_video_id=result.handle.id[:128],
            platform_url=result.url,
            bytes_sent=F("bytes_total"),
            claim_token=None,
            lease_expires_at=None,
            next_attempt_at=None,
            error_message="",
            error_code="",
        ):
            latency = (now - self.pub.queued_at).total_seconds() if self.pub.queued_at else None
            log_event(
                "publish_job_success", **self._fields(url=result.url, latency_seconds=latency)
            )

    def processing(self, result: PublishResult) -> None:
        """The platform has the file and is processing it: release the claim, poll later."""
        now = timezone.now()
        next_at = now + next_check_delay(started=self.pub.started_at or now, now=now)
        if self._write(
            platform_handle=result.handle.to_json(),
            platform_video_id=result.handle.id[:128],
            platform_url=result.url,
            bytes_sent=F("bytes_total"),
            claim_token=None,
            lease_expires_at=None,
            enqueued_at=now,
            next_attempt_at=next_at,
        ):
            log_event("publish_job_processing", **self._fields(handle=result.handle.id))
            publication_enqueue_check(
                publication_id=self.pub.pk, platform=self.pub.platform, eta=next_at
            )

    def fail(self, message: str, *, code: str, err: ProviderError | None = None) -> None:
        now = timezone.now()
        if self._write(
            status=PublicationStatus.FAILED,
            finished_at=now,
            error_message=message,
            error_code=code[:64],
            claim_token=None,
            lease_expires_at=None,
            next_attempt_at=None,
        ):
            log_event(
                "publish_job_failed",
                level=logging.WARNING,
                **self._fields(reason=code, **_error_fields(err)),
            )

    def cancel(self) -> None:
        now = timezone.now()
        if self._write(
            status=PublicationStatus.CANCELLED,
            finished_at=now,
            claim_token=None,
            lease_expires_at=None,
            next_attempt_at=None,
        ):
            log_event("publish_job_cancelled", **self._fields())

    def requeue(
        self,
        *,
        delay: float,
        reason: str,
        message: str,
        use_attempt: bool,
        body_sent: bool = False,
    ) -> None:
        """Back to ``queued`` for a later attempt. ``body_sent``: the whole clip went out and
        the answer was lost; the row remembers it (``bytes_sent`` = total), so that nobody can
        cancel a clip the platform may already have."""
        if self._cancel_instead(body_sent=body_sent):
            self.cancel()
            return
        next_at = timezone.now() + timedelta(seconds=delay)
        changes: dict[str, Any] = {
            "status": PublicationStatus.QUEUED,
            "next_attempt_at": next_at,
            "enqueued_at": None,
            "claim_token": None,
            "lease_expires_at": None,
            "error_message": message,
            "bytes_sent": F("bytes_total") if body_sent else 0,
        }
        if not use_attempt:
            changes["attempts"] = F("attempts") - 1
        if self._write(**changes):
            log_event(
                "publish_job_retry",
                **self._fields(
                    reason=reason,
                    delay_seconds=round(delay, 3),
                    next_attempt_at=next_at.isoformat(),
                    uses_attempt=use_attempt,
                ),
            )

    def retry_or_fail(self, err: TransientError) -> None:
        delay = retry_delay(attempts=self.pub.attempts)
        if delay is None:
            if self._cancel_instead(body_sent=err.body_sent):
                self.cancel()
                return
            self.fail(
                _final_transient_message(self.pub.platform, self.pub.attempts, err),
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


def _error_fields(err: ProviderError | None) -> dict[str, Any]:
    if err is None:
        return {}
    return {
        "error": type(err).__name__,
        "status": err.status,
        "code": str(err.code) if err.code is not None else None,
        "platform_message": err.platform_message[:300],
        "body_sent": err.body_sent,
    }


def _connection_for(publication: Publication) -> PlatformConnection | None:
    return PlatformConnection.objects.filter(
        user_id=publication.clip.owner_id, platform=publication.platform
    ).first()


def _clip_file(publication: Publication, provider: PlatformProvider) -> ClipFile:
    clip = publication.clip
    name = clip.file.name
    if not name or not default_storage.exists(name):
        raise ClipFileMissing(FILE_MISSING_MESSAGE, platform=publication.platform)
    size = default_storage.size(name)
    return ClipFile(
        name=name,
        size=size,
        open=lambda: default_storage.open(name, "rb"),
        filename=os.path.basename(name),
        content_type=mimetypes.guess_type(name)[0] or "video/mp4",
        public_url=(
            clip_signed_url(clip_id=clip.pk) if publication.platform == Platform.RUTUBE else None
        ),
    )


def _meta(publication: Publication) -> PublishMeta:
    clip = publication.clip
    return PublishMeta(
        title=publication.title,
        description=publication.description,
        duration_seconds=clip.duration_seconds,
        width=clip.width,
        height=clip.height,
    )


def _refreshed(connection: PlatformConnection) -> PlatformConnection:
    """``connection_refresh`` once; a refusal has already marked the connection expired."""
    return connection_refresh(connection=connection)


def _redelay_unclaimed(publication: Publication, *, seconds: float, reason: str) -> None:
    now = timezone.now()
    next_at = now + timedelta(seconds=seconds)
    # Only the row as this delivery found it (still due, same attempt): a duplicate delivery
    # must not shorten the back-off another worker has just set.
    still_due = Publication.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + CLAIM_TOLERANCE),
        pk=publication.pk,
        status=PublicationStatus.QUEUED,
        attempts=publication.attempts,
    )
    if still_due.update(next_attempt_at=next_at, enqueued_at=None):
        log_event(
            "publish_job_retry",
            publication_id=publication.pk,
            platform=publication.platform,
            attempt=publication.attempts,
            reason=reason,
            delay_seconds=round(seconds, 3),
            next_attempt_at=next_at.isoformat(),
            uses_attempt=False,
        )


def publication_execute(*, publication_id: int) -> None:
    """Run one publish attempt for a queued, due publication (what the publish task calls).

    Claims the row (``queued`` → ``publishing``, attempts + 1, lease, claim token); a delivery
    that finds nothing to claim (duplicate message, second dispatcher, already done) exits.
    """
    now = timezone.now()
    publication = Publication.objects.select_related("clip").filter(pk=publication_id).first()
    if publication is None or publication.status != PublicationStatus.QUEUED:
        return
    if publication.next_attempt_at and publication.next_attempt_at > now + CLAIM_TOLERANCE:
        # Delivered before it is due (a redelivered message): the dispatcher sends it in time.
        Publication.objects.filter(
            pk=publication.pk,
            status=PublicationStatus.QUEUED,
            next_attempt_at=publication.next_attempt_at,
        ).update(enqueued_at=None)
        return
    connection = _connection_for(publication)
    if connection is not None and connection.is_active:
        wait = ratelimit.acquire(platform=publication.platform, account=str(connection.pk))
        if wait > 0:
            _redelay_unclaimed(
                publication, seconds=wait + LOCAL_RATE_LIMIT_SLACK, reason="rate_limit_local"
            )
            return

    token = uuid.uuid4()
    claimed = (
        Publication.objects.filter(pk=publication.pk, status=PublicationStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + CLAIM_TOLERANCE))
        .update(
            status=PublicationStatus.PUBLISHING,
            attempts=F("attempts") + 1,
            claim_token=token,
            lease_expires_at=now + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS),
            started_at=now,
            enqueued_at=None,
            next_attempt_at=None,
            updated_at=now,
        )
    )
    if not claimed:
        return
    publication.refresh_from_db()
    _run_attempt(_Attempt(publication, token), connection)


def _run_attempt(attempt: _Attempt, connection: PlatformConnection | None) -> None:
    pub = attempt.pub
    log_event(
        "publish_job_start",
        publication_id=pub.pk,
        platform=pub.platform,
        attempt=pub.attempts,
        max_attempts=pub.max_attempts,
        clip_id=pub.clip_id,
        user_id=pub.clip.owner_id,
        resume=pub.platform_handle is not None,
    )
    may_have_it = platform_may_have_it(pub)
    if pub.cancel_requested_at is not None and not may_have_it:
        attempt.cancel()
        return
    if connection is None or connection.status == ConnectionStatus.REVOKED:
        if may_have_it:
            attempt.fail(
                _disconnected_after_upload_message(pub.platform), code="disconnected_after_upload"
            )
        else:
            attempt.fail(f"Подключите {_label(pub.platform)} в настройках.", code="not_connected")
        return
    if connection.status != ConnectionStatus.ACTIVE:
        attempt.fail(AUTH_EXPIRED_MESSAGE, code="auth_expired")
        return
    try:
        provider = get_provider(pub.platform)
        clip = _clip_file(pub, provider)
        if clip.size > provider.max_file_size_bytes():
            attempt.fail(_file_too_big_message(pub.platform), code="file_too_big")
            return
        result = _publish(attempt, provider, connection, clip, _meta(pub))
        if result.state == PublishState.PROCESSING:
            # Most platforms answer "processing" right after the upload; one quick look often
            # finds the video ready, saving a whole polling interval.
            with contextlib.suppress(ProviderError):
                result = provider.check(credentials=connection.credentials(), handle=result.handle)
    except _ClaimLost:
        return
    except ProviderError as err:
        _handle_error(attempt, connection, err)
        return
    except Exception as exc:
        # A bug, not a platform answer: never blindly re-send (that could post twice).
        logger.exception("publish attempt crashed")
        attempt.fail(
            "Внутренняя ошибка при публикации. Проверьте платформу: если поста нет, нажмите "
            "«Повторить»; если ошибка повторится, напишите в поддержку.",
            code=f"internal:{type(exc).__name__}",
        )
        return
    if result.state == PublishState.PUBLISHED:
        attempt.published(result)
    else:
        attempt.processing(result)


def _publish(
    attempt: _Attempt,
    provider: PlatformProvider,
    connection: PlatformConnection,
    clip: ClipFile,
    meta: PublishMeta,
) -> PublishResult:
    from celery.exceptions import SoftTimeLimitExceeded

    def call(conn: PlatformConnection) -> PublishResult:
        try:
            return provider.publish(
                credentials=conn.credentials(),
                clip=clip,
                meta=meta,
                resume=attempt.stored_handle(),
                progress=attempt.progress,
                on_handle=attempt.on_handle,
            )
        except SoftTimeLimitExceeded:
            # We stopped sending: the platform did not get the whole file.
            raise TransientError(
                f"{_label(attempt.pub.platform)} принимал клип слишком долго. "
                "Публикация повторится автоматически.",
                platform=attempt.pub.platform,
                code="time_limit",
            ) from None

    try:
        return call(connection)
    except AuthExpired:
        fresh = _refreshed(connection)  # ConnectionRefreshFailed is a PermanentError
        return call(fresh)


def _handle_error(attempt: _Attempt, connection: PlatformConnection, err: ProviderError) -> None:
    """The error table of DESIGN.md."""
    pub = attempt.pub
    if isinstance(err, ConnectionRefreshFailed):
        attempt.fail(AUTH_EXPIRED_MESSAGE, code="auth_expired", err=err)
    elif isinstance(err, AuthExpired):
        # Refused even right after a refresh (or a token platform): the user must reconnect.
        connection_mark_expired(connection=connection, reason=err.user_message)
        attempt.fail(AUTH_EXPIRED_MESSAGE, code="auth_expired", err=err)
    elif isinstance(err, RateLimited):
        due_since = pub.queued_at or pub.created_at
        if (
            timezone.now() - due_since
        ).total_seconds() > settings.PUBLISH_RATE_LIMITED_GIVE_UP_SECONDS:
            hours = max(1, round(settings.PUBLISH_RATE_LIMITED_GIVE_UP_SECONDS / 3600))
            attempt.fail(
                f"{_label(pub.platform)} ограничивает частоту запросов уже больше {hours} ч. "
                "Нажмите «Повторить» позже.",
                code="rate_limited",
                err=err,
            )
            return
        # Never sooner than a second: "Retry-After: 0" must not turn into a tight loop.
        attempt.requeue(
            delay=max(err.retry_after, MIN_RATE_LIMIT_DELAY),
            reason="rate_limited",
            message=err.user_message,
            use_attempt=False,
        )
    elif isinstance(err, ClipFileMissing):
        attempt.fail(FILE_MISSING_MESSAGE, code="clip_file_missing", err=err)
    elif isinstance(err, PermanentError):
        attempt.fail(err.user_message, code=str(err.code or "permanent"), err=err)
    elif (
        err.body_sent and attempt.stored_handle() is None and not isinstance(err, UploadIncomplete)
    ):
        # The whole clip went out and no answer came back, on a platform that gives no handle
        # before the upload (Telegram, Rutube): it may be posted. Re-sending could post it twice.
        attempt.fail(_outcome_unknown_message(pub.platform), code="outcome_unknown", err=err)
    elif isinstance(err, TransientError):
        attempt.retry_or_fail(err)
    else:
        attempt.retry_or_fail(
            TransientError(err.user_message, platform=err.platform, status=err.status)
        )


# --- Platforms still processing ------------------------------------------------------------


def next_check_delay(*, started: datetime, now: datetime) -> timedelta:
    """How long until the next processing check: soon at first, then less and less often."""
    elapsed = max(0.0, (now - started).total_seconds())
    seconds = min(settings.PUBLISH_CHECK_INTERVAL_SECONDS, max(FIRST_CHECK_DELAY, elapsed / 4))
    return timedelta(seconds=seconds)


def publication_check(*, publication_id: int) -> None:
    """Ask the platform whether an accepted upload is ready (what the check task calls).

    While it is still processing, the check sends the next one itself (a short ETA, at most
    ``PUBLISH_CHECK_INTERVAL_SECONDS``); the beat sweep only replaces lost messages.
    """
    now = timezone.now()
    waiting = Publication.objects.filter(
        pk=publication_id,
        status=PublicationStatus.PUBLISHING,
        claim_token__isnull=True,
        platform_handle__isnull=False,
    )
    row = waiting.values("started_at", "created_at").first()
    if row is None:
        return
    next_at = now + next_check_delay(started=row["started_at"] or row["created_at"], now=now)
    # The claim: push next_attempt_at forward; a duplicate check finds it not due and exits.
    if not waiting.filter(next_attempt_at__lte=now + CLAIM_TOLERANCE).update(
        next_attempt_at=next_at, enqueued_at=now
    ):
        return
    publication = Publication.objects.select_related("clip").get(pk=publication_id)
    handle = PlatformHandle.from_json(publication.platform_handle or {})
    started = publication.started_at or publication.created_at
    label = _label(publication.platform)

    def finish(**changes: Any) -> bool:
        changes.setdefault("updated_at", timezone.now())
        return bool(waiting.update(**changes))

    def fail(message: str, code: str, err: ProviderError | None = None) -> None:
        if finish(
            status=PublicationStatus.FAILED,
            finished_at=timezone.now(),
            error_message=message,
            error_code=code[:64],
            next_attempt_at=None,
        ):
            log_event(
                "publish_job_failed",
                level=logging.WARNING,
                publication_id=publication.pk,
                platform=publication.platform,
                attempt=publication.attempts,
                reason=code,
                **_error_fields(err),
            )

    if (now - started).total_seconds() > settings.PUBLISH_PROCESSING_TIMEOUT_SECONDS:
        fail(
            f"{label} слишком долго обрабатывает видео. Проверьте его на платформе; "
            "если его там нет, нажмите «Повторить».",
            "processing_timeout",
        )
        return
    connection = _connection_for(publication)
    if connection is None or connection.status == ConnectionStatus.REVOKED:
        fail(_disconnected_after_upload_message(publication.platform), "disconnected_after_upload")
        return
    if not connection.is_active:
        fail(AUTH_EXPIRED_MESSAGE + AFTER_RECONNECT_HINT, "auth_expired")
        return
    provider = get_provider(publication.platform)
    try:
        try:
            result = provider.check(credentials=connection.credentials(), handle=handle)
        except AuthExpired:
            connection = _refreshed(connection)
            result = provider.check(credentials=connection.credentials(), handle=handle)
    except UploadIncomplete as err:
        _check_back_to_retry(publication, waiting, err)
        return
    except RateLimited as err:
        next_at = timezone.now() + timedelta(seconds=max(err.retry_after, 1.0))
        if finish(next_attempt_at=next_at, enqueued_at=None):
            log_event(
                "publish_job_retry",
                publication_id=publication.pk,
                platform=publication.platform,
                attempt=publication.attempts,
                reason="rate_limited_check",
                delay_seconds=err.retry_after,
                uses_attempt=False,
            )
        return
    except AuthExpired as err:
        connection_mark_expired(connection=connection, reason=err.user_message)
        fail(AUTH_EXPIRED_MESSAGE, "auth_expired", err)
        return
    except PermanentError as err:
        if isinstance(err, ConnectionRefreshFailed):
            fail(AUTH_EXPIRED_MESSAGE, "auth_expired", err)
        else:
            fail(err.user_message, str(err.code or "permanent"), err)
        return
    except ProviderError:
        publication_enqueue_check(
            publication_id=publication.pk, platform=publication.platform, eta=next_at
        )
        return  # transient: the next check asks again
    if result.state == PublishState.PROCESSING:
        publication_enqueue_check(
            publication_id=publication.pk, platform=publication.platform, eta=next_at
        )
        return
    if result.state == PublishState.PUBLISHED:
        published_at = timezone.now()
        if finish(
            status=PublicationStatus.PUBLISHED,
            published_at=published_at,
            finished_at=published_at,
            platform_url=result.url or publication.platform_url,
            platform_handle=result.handle.to_json(),
            next_attempt_at=None,
            error_message="",
            error_code="",
        ):
            latency = (
                (published_at - publication.queued_at).total_seconds()
                if publication.queued_at
                else None
            )
            log_event(
                "publish_job_success",
                publication_id=publication.pk,
                platform=publication.platform,
                attempt=publication.attempts,
                clip_id=publication.clip_id,
                url=result.url,
                latency_seconds=latency,
            )


def _check_back_to_retry(publication: Publication, waiting: Any, err: ProviderError) -> None:
    """The platform never got the whole file: back to the retry path, resuming the handle."""
    delay = retry_delay(attempts=publication.attempts)
    if delay is None or publication.cancel_requested_at is not None:
        waiting.update(
            status=(
                PublicationStatus.CANCELLED
                if publication.cancel_requested_at is not None
                else PublicationStatus.FAILED
            ),
            finished_at=timezone.now(),
            error_message=_final_transient_message(publication.platform, publication.attempts, err),
            error_code="transient_exhausted",
            next_attempt_at=None,
        )
        return
    next_at = timezone.now() + timedelta(seconds=delay)
    if waiting.update(
        status=PublicationStatus.QUEUED,
        next_attempt_at=next_at,
        enqueued_at=None,
        error_message=err.user_message,
    ):
        log_event(
            "publish_job_retry",
            publication_id=publication.pk,
            platform=publication.platform,
            attempt=publication.attempts,
            reason="upload_incomplete",
            delay_seconds=delay,
            next_attempt_at=next_at.isoformat(),
            uses_attempt=True,
        )


# --- Reaper --------------------------------------------------------------------------------


def publications_reap_expired_leases(*, now: datetime | None = None) -> int:
    """Return ``publishing`` rows whose worker died (lease expired) to the retry path.

    A row with a stored handle resumes it on the next attempt. A row with no handle whose bytes
    had started to go out (Telegram), or whose create call may have gone out (Rutube), may
    already be posted: it fails asking the user to check, rather than posting twice.
    """
    now = now or timezone.now()
    rows = list(
        Publication.objects.filter(
            status=PublicationStatus.PUBLISHING,
            claim_token__isnull=False,
            lease_expires_at__lt=now,
        ).only(
            "id",
            "platform",
            "claim_token",
            "attempts",
            "platform_handle",
            "bytes_sent",
            "bytes_total",
            "cancel_requested_at",
        )[:500]
    )
    reaped = 0
    for row in rows:
        mine = Publication.objects.filter(
            pk=row.pk, status=PublicationStatus.PUBLISHING, claim_token=row.claim_token
        )
        common: dict[str, Any] = {"claim_token": None, "lease_expires_at": None, "updated_at": now}
        delay = retry_delay(attempts=row.attempts)
        may_have_it = platform_may_have_it(row)
        # "May be posted" outranks a cancel request: reporting "cancelled" for a live post is
        # the one answer that must never be given.
        if row.platform_handle is None and (
            row.bytes_sent > 0 or row.platform in SENDS_BEFORE_HANDLE_UNCOUNTED
        ):
            changes = {
                **common,
                "status": PublicationStatus.FAILED,
                "finished_at": now,
                "error_message": _outcome_unknown_message(row.platform),
                "error_code": "outcome_unknown",
            }
            outcome = "outcome_unknown"
        elif row.cancel_requested_at is not None and not may_have_it:
            changes = {**common, "status": PublicationStatus.CANCELLED, "finished_at": now}
            outcome = "cancelled"
        elif delay is None:
            changes = {
                **common,
                "status": PublicationStatus.FAILED,
                "finished_at": now,
                "error_message": _final_transient_message(row.platform, row.attempts, None),
                "error_code": "lease_expired",
            }
            outcome = "failed"
        else:
            changes = {
                **common,
                "status": PublicationStatus.QUEUED,
                "next_attempt_at": now + timedelta(seconds=delay),
                "enqueued_at": None,
                "error_message": "Публикация прервалась. Она повторится автоматически.",
            }
            if not may_have_it:
                changes["bytes_sent"] = 0
            outcome = "retry"
        if mine.update(**changes):
            reaped += 1
            log_event(
                "publish_job_retry" if outcome == "retry" else "publish_lease_reaped",
                level=logging.WARNING,
                publication_id=row.pk,
                platform=row.platform,
                attempt=row.attempts,
                reason="lease_expired",
                outcome=outcome,
                delay_seconds=delay,
            )
    return reaped
