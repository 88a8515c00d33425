"""The connect limit: at most 5 completed connect attempts an hour per user and platform.

A completed attempt is one that reaches the platform: a pasted token sent to be checked, or an
OAuth callback that came back with a code to exchange. Starting an OAuth flow, denying it on
the platform's page, abandoning it and malformed input cost nothing, so a new user cannot lock
herself out before her first connection, and one platform's attempts never block another.
Starting is refused while the limit is reached (the callback would be refused anyway).

Attempts are rows (``ConnectAttempt``): support sees them, and staff reset a user's limit in
the admin or on /staff/. Check and record are one step under a lock on the user's row
(PostgreSQL; SQLite's immediate transactions serialise writers anyway).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from clipmaker.accounts.models import User
from clipmaker.logging import log_event
from clipmaker.throttling import wait_label
from platforms.models import ConnectAttempt
from platforms.providers import platform_label

RATE_SCOPE = "connect"


def connect_rate() -> tuple[int, int]:
    """(attempts, window in seconds) from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["connect"]``."""
    throttle = SimpleRateThrottle.__new__(SimpleRateThrottle)
    throttle.scope = RATE_SCOPE
    limit, window = throttle.parse_rate(throttle.get_rate())
    assert limit is not None and window is not None
    return limit, window


def connect_limited_message(platform: str, wait: float) -> str:
    limit, _ = connect_rate()
    return (
        f"Слишком много попыток подключить {platform_label(platform)}: не больше {limit} в час. "
        f"Попробуйте снова {wait_label(wait)} — другие платформы можно подключать и сейчас."
    )


class ConnectLimited(Exception):
    """The user made the limit's number of completed attempts on this platform this hour."""

    def __init__(self, *, platform: str, wait: float) -> None:
        self.platform = platform
        self.wait = wait
        self.message = connect_limited_message(platform, wait)
        super().__init__(self.message)

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait))


def _wait(user_id: int, platform: str, now: datetime) -> float | None:
    limit, window = connect_rate()
    since = now - timedelta(seconds=window)
    recent = ConnectAttempt.objects.filter(
        user_id=user_id, platform=platform, created_at__gt=since
    ).aggregate(n=Count("id"), oldest=Min("created_at"))
    if recent["n"] < limit:
        return None
    # Attempts beyond the limit never happen, so the oldest leaving frees one.
    oldest: datetime = recent["oldest"]
    return max(1.0, (oldest + timedelta(seconds=window) - now).total_seconds())


def connect_limit_check(*, user: Any, platform: str) -> None:
    """Raise ``ConnectLimited`` when the limit is reached (records nothing): before a start."""
    wait = _wait(user.pk, platform, timezone.now())
    if wait is not None:
        raise ConnectLimited(platform=platform, wait=wait)


def connect_attempt_record(*, user: Any, platform: str) -> None:
    """Count one completed attempt, or raise ``ConnectLimited`` (nothing recorded) when the
    limit is reached. Call right before the platform is asked."""
    with transaction.atomic():
        # Serialises one user's concurrent attempts: both cannot read 4 and both pass.
        User.objects.select_for_update().filter(pk=user.pk).first()
        now = timezone.now()
        wait = _wait(user.pk, platform, now)
        if wait is not None:
            log_event(
                "connect_limited", user_id=user.pk, platform=platform, retry_after=round(wait)
            )
            raise ConnectLimited(platform=platform, wait=wait)
        ConnectAttempt.objects.create(user_id=user.pk, platform=platform, created_at=now)


def connect_limit_reset(*, user: Any, platform: str | None = None) -> int:
    """Forget the user's attempts (on one platform, or all): support lifts a lock-out.
    Returns how many attempts were forgotten."""
    attempts = ConnectAttempt.objects.filter(user_id=user.pk)
    if platform:
        attempts = attempts.filter(platform=platform)
    deleted, _ = attempts.delete()
    log_event("connect_limit_reset", user_id=user.pk, platform=platform or "*", attempts=deleted)
    return deleted


@dataclass(frozen=True)
class LimitReached:
    user_id: int
    username: str
    platform: str
    label: str
    attempts: int
    free_at: datetime


def connect_limits_reached(*, now: datetime | None = None) -> list[LimitReached]:
    """Who is at the limit now, per platform, and when it frees (for /staff/)."""
    now = now or timezone.now()
    limit, window = connect_rate()
    rows = (
        ConnectAttempt.objects.filter(created_at__gt=now - timedelta(seconds=window))
        .values("user_id", "user__username", "platform")
        .annotate(n=Count("id"), oldest=Min("created_at"))
        .filter(n__gte=limit)
        .order_by("oldest")
    )
    return [
        LimitReached(
            user_id=row["user_id"],
            username=row["user__username"],
            platform=row["platform"],
            label=platform_label(row["platform"]),
            attempts=row["n"],
            free_at=row["oldest"] + timedelta(seconds=window),
        )
        for row in rows
    ]
