"""What may be published, cancelled and retried, when to try again, and what the user is told.

One place for the rules that pages, API, admin, services and the engine all ask: nobody
re-implements them. Reads only (no writes); the Russian messages say what to do next.

The messages live in ``publishing.rule_messages`` and are re-exported here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from clipmaker.accounts.models import User
from platforms.models import ConnectionStatus, PlatformConnection
from platforms.providers import (
    PlatformHandle,
    platform_noun,
    provider_class,
)
from platforms.selectors import destinations_within_limit
from publishing.models import Publication, PublicationStatus
from publishing.rule_messages import AFTER_RECONNECT_HINT as AFTER_RECONNECT_HINT
from publishing.rule_messages import AUTH_EXPIRED_MESSAGE as AUTH_EXPIRED_MESSAGE
from publishing.rule_messages import FILE_MISSING_MESSAGE as FILE_MISSING_MESSAGE
from publishing.rule_messages import INTERNAL_ERROR_MESSAGE as INTERNAL_ERROR_MESSAGE
from publishing.rule_messages import INTERRUPTED_MESSAGE as INTERRUPTED_MESSAGE
from publishing.rule_messages import RETRY_ONLY_FAILED_MESSAGE as RETRY_ONLY_FAILED_MESSAGE
from publishing.rule_messages import destination_cancelled_message as destination_cancelled_message
from publishing.rule_messages import destination_disabled_message as destination_disabled_message
from publishing.rule_messages import destination_removed_message as destination_removed_message
from publishing.rule_messages import disconnect_cancelled_message as disconnect_cancelled_message
from publishing.rule_messages import (
    disconnected_after_upload_message as disconnected_after_upload_message,
)
from publishing.rule_messages import file_too_big_message as file_too_big_message
from publishing.rule_messages import final_transient_message as final_transient_message
from publishing.rule_messages import in_flight_message as in_flight_message
from publishing.rule_messages import limit_cancelled_message as limit_cancelled_message
from publishing.rule_messages import may_have_it_message as may_have_it_message
from publishing.rule_messages import not_connected_message as not_connected_message
from publishing.rule_messages import outcome_unknown_message as outcome_unknown_message
from publishing.rule_messages import plan_cancelled_message as plan_cancelled_message
from publishing.rule_messages import plan_message as plan_message
from publishing.rule_messages import processing_timeout_message as processing_timeout_message
from publishing.rule_messages import rate_limited_too_long_message as rate_limited_too_long_message
from publishing.rule_messages import time_limit_message as time_limit_message

# A task may arrive a little before its ETA (clock skew between hosts): still claim it.
CLAIM_TOLERANCE = timedelta(seconds=1)
# The first processing check comes this soon after the upload; later ones wait a quarter of
# the time spent so far, up to PUBLISH_CHECK_INTERVAL_SECONDS (short clips are ready fast).
FIRST_CHECK_DELAY = 0.5
# How far ahead a publication may be scheduled.
MAX_SCHEDULE_AHEAD = timedelta(days=365)
# Rows a user may still cancel without touching the platform.
WAITING_STATUSES = (PublicationStatus.SCHEDULED, PublicationStatus.QUEUED)
# Error codes of publications a retry cannot help: the platform's moderation refused the video.
NOT_RETRYABLE_CODES = frozenset({"rejected"})


# --- Timing ----------------------------------------------------------------------------------


def retry_delay(*, attempts: int) -> float | None:
    """Seconds before the next try after ``attempts`` tries failed, or None when none is left."""
    delays = settings.PUBLISH_RETRY_DELAYS
    if attempts < 1 or attempts > len(delays):
        return None
    return float(delays[attempts - 1])


def next_check_delay(*, started: datetime, now: datetime) -> timedelta:
    """How long until the next processing check: soon at first, then less and less often."""
    elapsed = max(0.0, (now - started).total_seconds())
    seconds = min(settings.PUBLISH_CHECK_INTERVAL_SECONDS, max(FIRST_CHECK_DELAY, elapsed / 4))
    return timedelta(seconds=seconds)


def rate_limited_too_long(publication: Publication, *, now: datetime) -> bool:
    """Whether the platform has been rate-limiting this publication for longer than we wait."""
    due_since = publication.queued_at or publication.created_at
    give_up_after: float = settings.PUBLISH_RATE_LIMITED_GIVE_UP_SECONDS
    return (now - due_since).total_seconds() > give_up_after


# --- What the platform may already have ------------------------------------------------------


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


def may_be_posted_without_handle(publication: Publication) -> bool:
    """A claimed row with no handle that may already be live: bytes had started to go out, or
    the platform's create call (which posts before giving a handle) may have been sent."""
    return publication.platform_handle is None and (
        publication.bytes_sent > 0 or provider_class(publication.platform).creates_before_handle
    )


# --- Cancel and retry ------------------------------------------------------------------------


def cancel_refusal(publication: Publication) -> str | None:
    """Why this publication cannot be cancelled now (Russian), or None when it can."""
    if publication.status in WAITING_STATUSES:
        if platform_may_have_it(publication):
            return may_have_it_message(publication.platform)
        return None
    if publication.status == PublicationStatus.PUBLISHING:
        if publication.claim_token is None:
            return (
                f"Клип уже загружен в {platform_noun(publication.platform).accusative} и "
                "обрабатывается "
                "платформой — отменить публикацию нельзя. Если пост не нужен, удалите его на "
                "платформе."
            )
        if publication.cancel_requested_at is not None:
            return "Отмена уже запрошена: публикация остановится, как только закончится загрузка."
        return None
    if publication.status == PublicationStatus.CANCELLED:
        return "Публикация уже отменена."
    return "Публикация уже завершена — отменить её нельзя."


def publication_can_cancel(publication: Publication) -> bool:
    return cancel_refusal(publication) is None


def retry_refusal(publication: Publication, *, user: User | None = None) -> str | None:
    """Why this publication cannot be retried (Russian), or None when it can.

    Only a failed one can; not one the platform's moderation rejected (the same clip would be
    rejected again: publish it anew); not one the owner's plan no longer allows; not one whose
    place was removed or disabled.
    """
    if publication.status != PublicationStatus.FAILED:
        return RETRY_ONLY_FAILED_MESSAGE
    if publication.error_code in NOT_RETRYABLE_CODES:
        noun = platform_noun(publication.platform)
        return (
            f"{noun} {noun.agree('отклонил', 'отклонила', 'отклонило')} это видео: "
            "повтор не поможет. "
            "Исправьте клип и опубликуйте его заново."
        )
    owner = user if user is not None else publication.clip.owner
    if not owner.plan_allows(publication.platform):
        return plan_message(owner, publication.platform)
    destination = publication.destination
    # A disconnected platform is not refused here: the attempt says «Подключите ...».
    removed = destination.removed_at is not None
    if removed and destination.connection.status != ConnectionStatus.REVOKED:
        return destination_removed_message(destination)
    if not destination.enabled and not removed:
        return destination_disabled_message(destination)
    return None


def publication_can_retry(publication: Publication, *, user: User | None = None) -> bool:
    if publication.status == PublicationStatus.CANCELLED:
        return resume_refusal(publication, user=user) is None
    return retry_refusal(publication, user=user) is None


# The code a publication cancelled by a disconnect keeps («Повторить» once the platform is back).
DISCONNECTED_CODE = "disconnected"
RESUME_ONLY_DISCONNECTED_MESSAGE = (
    "Повторить можно только публикацию, отменённую из-за отключения платформы."
)


def resume_refusal(publication: Publication, *, user: User | None = None) -> str | None:
    """Why a publication cancelled by a disconnect cannot be queued again (Russian), or None.

    It can once its place is usable again (the platform reconnected to the same account, the
    place enabled) and the plan allows it there; a cancel the user asked for cannot.
    """
    if (
        publication.status != PublicationStatus.CANCELLED
        or publication.error_code != DISCONNECTED_CODE
    ):
        return RESUME_ONLY_DISCONNECTED_MESSAGE
    owner = user if user is not None else publication.clip.owner
    if not owner.plan_allows(publication.platform):
        return plan_message(owner, publication.platform)
    destination = publication.destination
    if not destination.is_usable:
        if destination.removed_at is None and not destination.enabled:
            return destination_disabled_message(destination)
        noun = platform_noun(publication.platform)
        return (
            f"{noun} ещё не {noun.agree('подключён', 'подключена', 'подключено')} снова. "
            f"Подключите {noun.agree('его', 'её', 'его')} в разделе «Платформы» и нажмите "
            "«Повторить»."
        )
    if destination.pk not in destinations_within_limit(user=owner):
        return limit_cancelled_message(owner)
    return None


# How long after a cancel the user may take it back («Вернуть»).
UNDO_CANCEL_SECONDS = 8
UNDO_EXPIRED_MESSAGE = "Вернуть публикацию уже нельзя: прошло слишком много времени."


def uncancel_refusal(publication: Publication, *, cancelled_at: datetime) -> str | None:
    """Why the user's own cancel cannot be taken back now (Russian), or None.

    Only the cancel this undo was offered for (the row has not changed since), and only when
    nothing of the clip reached the platform.
    """
    if publication.status != PublicationStatus.CANCELLED or publication.error_code:
        return UNDO_EXPIRED_MESSAGE
    if (
        publication.finished_at is None
        or abs((publication.finished_at - cancelled_at).total_seconds()) > 0.001
    ):
        return UNDO_EXPIRED_MESSAGE
    if publication.platform_handle is not None or publication.bytes_sent > 0:
        return may_have_it_message(publication.platform)
    return None


def reschedule_problems(
    publication: Publication, *, scheduled_at: datetime | None, now: datetime
) -> list[str]:
    """Why a scheduled publication cannot move to ``scheduled_at`` (Russian): the checks of
    creating one with that time — the time itself, the plan's platforms and places."""
    if publication.status != PublicationStatus.SCHEDULED:
        return []
    if scheduled_at is None:
        return ["Укажите новое время публикации."]
    problems = []
    problem = schedule_problem(aware(scheduled_at), now=now)
    if problem:
        problems.append(problem)
    owner: User = publication.clip.owner
    destination = publication.destination
    # A place whose platform is disconnected counts against no limit; the attempt says
    # «Подключите …» if it is still not back by then.
    live = destination.removed_at is None and destination.connection.is_active
    if not owner.plan_allows(publication.platform):
        problems.append(plan_message(owner, publication.platform))
    elif live and destination.pk not in destinations_within_limit(user=owner):
        problems.append(limit_cancelled_message(owner))
    return problems


RESCHEDULE_ONLY_SCHEDULED_MESSAGE = (
    "Перенести можно только запланированную публикацию: эта уже началась, завершилась или отменена."
)


# --- Validation before anything is created ---------------------------------------------------


def schedule_problem(scheduled_at: datetime | None, *, now: datetime) -> str | None:
    if scheduled_at is None:
        return None
    if scheduled_at < now:
        return "Это время уже прошло. Выберите время публикации в будущем."
    if scheduled_at > now + MAX_SCHEDULE_AHEAD:
        return "Запланировать можно не дальше чем на год вперёд. Выберите более близкую дату."
    return None


def aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def start_refusal(
    publication: Publication, *, connection: PlatformConnection | None
) -> tuple[str, str, bool] | None:
    """Why an attempt must not start now: (code, Russian message, cancel instead of failing).

    Re-checked when each attempt starts (a plan changed, a platform was disconnected or its
    place removed or disabled since the publication was created). A publication the plan no
    longer allows (platform or number of places) is cancelled — unless the platform may already
    hold the clip: "cancelled" must never be said of a live post.
    """
    platform = publication.platform
    destination = publication.destination
    may_have_it = platform_may_have_it(publication)
    owner: User = publication.clip.owner
    plan_refusal = None
    if not owner.plan_allows(platform):
        plan_refusal = plan_cancelled_message(platform)
    elif (
        destination.removed_at is None
        and connection is not None
        and connection.status != ConnectionStatus.REVOKED
        and destination.pk not in destinations_within_limit(user=owner)
    ):
        plan_refusal = limit_cancelled_message(owner)
    if plan_refusal is not None:
        if may_have_it:
            noun = platform_noun(platform)
            return (
                "plan",
                plan_refusal
                + f" Клип, возможно, уже передан в {noun.accusative}: проверьте его там.",
                False,
            )
        return ("plan", plan_refusal, True)
    if (
        connection is None
        or connection.status == ConnectionStatus.REVOKED
        or destination.removed_at is not None
    ):
        if may_have_it:
            return ("disconnected_after_upload", disconnected_after_upload_message(platform), False)
        if connection is not None and connection.status != ConnectionStatus.REVOKED:
            return ("destination_removed", destination_removed_message(destination), False)
        return ("not_connected", not_connected_message(platform), False)
    if connection.status != ConnectionStatus.ACTIVE:
        return ("auth_expired", AUTH_EXPIRED_MESSAGE, False)
    if not destination.enabled and not may_have_it:
        return ("destination_disabled", destination_disabled_message(destination), False)
    return None
