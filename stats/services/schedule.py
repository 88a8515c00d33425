"""The cadence: when a publication's figures are asked for next.

Hourly for the first 48 hours after publishing (every couple of minutes with the sandbox),
then every 6 hours; a failing connection backs off, doubling up to the normal interval.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, DateTimeField, Value, When
from django.db.models.expressions import Expression

from platforms.providers import provider_classes


def platforms_with_stats() -> list[str]:
    """Platforms whose adapter can read engagement figures (not Telegram)."""
    return [str(p.platform) for p in provider_classes() if p.supports_stats]


def fresh_interval() -> timedelta:
    return timedelta(seconds=settings.STATS_FRESH_INTERVAL_SECONDS)


def mature_interval() -> timedelta:
    return timedelta(seconds=settings.STATS_INTERVAL_SECONDS)


def fresh_since(now: datetime) -> datetime:
    """Publications published at or after this moment are still in their hourly window."""
    return now - timedelta(seconds=settings.STATS_FRESH_WINDOW_SECONDS)


def next_due(*, published_at: datetime, checked_at: datetime) -> datetime:
    """When a publication checked at ``checked_at`` is due again."""
    fresh = published_at >= fresh_since(checked_at)
    return checked_at + (fresh_interval() if fresh else mature_interval())


def next_due_parameters(now: datetime) -> tuple[datetime, datetime, datetime]:
    """(fresh since, due if fresh, due otherwise): ``next_due`` for raw SQL."""
    return fresh_since(now), now + fresh_interval(), now + mature_interval()


def next_due_expression(now: datetime) -> Expression:
    """``next_due`` as a database expression over the track's ``published_at`` (one UPDATE
    for a whole batch, whatever the mix of fresh and mature rows)."""
    return Case(
        When(published_at__gte=fresh_since(now), then=Value(now + fresh_interval())),
        default=Value(now + mature_interval()),
        output_field=DateTimeField(),
    )


def retry_delay(failures: int) -> timedelta:
    """Back-off after the ``failures``-th failure in a row (0 for the first)."""
    base = settings.STATS_RETRY_SECONDS * (2 ** min(failures, 16))
    return timedelta(seconds=min(base, settings.STATS_INTERVAL_SECONDS))


def gone_confirm_delay() -> timedelta:
    return timedelta(seconds=settings.STATS_GONE_CONFIRM_SECONDS)
