"""History retention: every point for 48 hours, hourly for 30 days, daily after that.

Thinning keeps the last snapshot of each hour (then of each day) per publication: with
change-only snapshots that is the figure the publication had at the end of the period, so a
chart drawn from what is left shows the same curve at a coarser grain. Each tier remembers how
far it has got (``StatsRetentionMark``), so a run only looks at what aged since the last one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import F, Min, Window
from django.db.models.functions import RowNumber, Trunc
from django.utils import timezone

from stats.models import StatsRetentionMark, StatsSnapshot


@dataclass(frozen=True)
class Tier:
    name: str
    unit: str  # the Trunc kind: one snapshot is kept per unit
    after: timedelta  # snapshots older than this are thinned
    step: timedelta  # how much of the timeline one query looks at


TIERS: Sequence[Tier] = (
    Tier("hourly", "hour", timedelta(hours=48), timedelta(days=1)),
    Tier("daily", "day", timedelta(days=30), timedelta(days=7)),
)
DELETE_CHUNK = 5000


@dataclass(frozen=True)
class RetentionResult:
    deleted: int
    more: bool  # stopped by the time budget: run again


def _floor(moment: datetime, unit: str) -> datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if unit == "day" else moment


def stats_history_thin(
    *, now: datetime | None = None, run_seconds: float = 60.0
) -> RetentionResult:
    """Thin what aged past each tier since the last run, within ``run_seconds``."""
    now = now or timezone.now()
    deadline = time.monotonic() + run_seconds
    deleted = 0
    for tier in TIERS:
        end = _floor(now - tier.after, tier.unit)
        mark = StatsRetentionMark.objects.filter(tier=tier.name).first()
        start = mark.done_until if mark else _oldest(tier.unit)
        if start is None or start >= end:
            # Nothing that old yet: the sync only ever adds points at the present moment.
            if mark is None or mark.done_until < end:
                _mark(tier, end)
            continue
        while start < end:
            if time.monotonic() > deadline:
                return RetentionResult(deleted=deleted, more=True)
            stop = min(end, start + tier.step)
            deleted += _thin(start, stop, tier.unit)
            start = stop
            _mark(tier, stop)
    return RetentionResult(deleted=deleted, more=False)


def _mark(tier: Tier, until: datetime) -> None:
    StatsRetentionMark.objects.update_or_create(tier=tier.name, defaults={"done_until": until})


def _oldest(unit: str) -> datetime | None:
    oldest = StatsSnapshot.objects.aggregate(at=Min("collected_at"))["at"]
    return None if oldest is None else _floor(oldest, unit)


def _thin(start: datetime, stop: datetime, unit: str) -> int:
    """Delete all but the last snapshot per publication and ``unit`` in [start, stop)."""
    bucket = Trunc("collected_at", unit, tzinfo=UTC)
    rank = Window(
        RowNumber(),
        partition_by=[F("publication_id"), bucket],
        order_by=[F("collected_at").desc(), F("id").desc()],
    )
    doomed = list(
        StatsSnapshot.objects.filter(collected_at__gte=start, collected_at__lt=stop)
        .annotate(rank=rank)
        .filter(rank__gt=1)
        .values_list("id", flat=True)
    )
    for begin in range(0, len(doomed), DELETE_CHUNK):
        StatsSnapshot.objects.filter(id__in=doomed[begin : begin + DELETE_CHUNK]).delete()
    return len(doomed)
