"""Reads behind the staff overview (``/staff/``): the last 24 hours per platform.

Every figure is an aggregate computed by the database (counts, a percentile picked by offset
over an ordered index scan), so the page costs the same with ten publications or a million.
Thresholds are the alert rules' (docs/ops/alerts.yml), so the page and the pager agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.urls import reverse
from django.utils import timezone

from clipmaker.broker_queues import broker_queue_lengths
from clipmaker.metrics.collectors import DISPATCH_ENTRY, due_unclaimed_by_platform
from clipmaker.queues import publish_queue
from clipmaker.redaction import redact
from platforms.models import ConnectionStatus, PlatformConnection
from platforms.providers import platform_label, platform_values
from publishing.models import Publication, PublicationStatus

WINDOW = timedelta(hours=24)
SUCCESS_WARNING = 0.90
SUCCESS_CRITICAL = 0.80
# Fewer finished publications than this say nothing about a platform's health.
SUCCESS_MIN_SAMPLE = 5
QUEUE_LIMIT = 100
LAG_LIMIT_SECONDS = 60
BEAT_LIMIT_SECONDS = 60
FAILURES_SHOWN = 20


@dataclass(frozen=True)
class PlatformFigures:
    platform: str
    label: str
    published: int
    failed: int
    latency_median: float | None
    latency_p95: float | None
    queue_length: int | None
    due: int
    due_oldest_seconds: float | None
    retries_waiting: int
    connections_active: int
    connections_failing: int
    connections_expired: int

    @property
    def finished(self) -> int:
        return self.published + self.failed

    @property
    def success_rate(self) -> float | None:
        return self.published / self.finished if self.finished else None

    @property
    def success_state(self) -> str:
        rate = self.success_rate
        if rate is None or self.finished < SUCCESS_MIN_SAMPLE:
            return "unknown"
        if rate < SUCCESS_CRITICAL:
            return "critical"
        if rate < SUCCESS_WARNING:
            return "warning"
        return "ok"


@dataclass(frozen=True)
class Failure:
    publication_id: int
    platform_label: str
    destination_label: str  # «Сообщество «Кухня»»: which of the account's places
    clip_title: str
    owner: str
    error_message: str
    error_code: str
    attempts: int
    finished_at: datetime | None
    admin_url: str


@dataclass(frozen=True)
class Overview:
    generated_at: datetime
    platforms: list[PlatformFigures]
    failures: list[Failure]
    beat_last_run_at: datetime | None
    broker_ok: bool
    problems: list[str] = field(default_factory=list)

    @property
    def all_well(self) -> bool:
        return not self.problems


def _percentile(durations: Any, count: int, q: float) -> float | None:
    """Nearest-rank percentile of the ``d`` annotation, picked by the database (``durations``
    is a publications queryset annotated with ``d``, which the type stubs cannot see)."""
    if count == 0:
        return None
    index = min(count - 1, max(0, math.ceil(q * count) - 1))
    value = durations.order_by("d").values_list("d", flat=True)[index]
    return value.total_seconds() if value is not None else None


def _latencies(platform: str, since: datetime) -> tuple[float | None, float | None]:
    durations = Publication.objects.filter(
        platform=platform,
        status=PublicationStatus.PUBLISHED,
        published_at__gte=since,
        queued_at__isnull=False,
    ).annotate(
        d=ExpressionWrapper(F("published_at") - F("queued_at"), output_field=DurationField())
    )
    count = durations.count()
    return _percentile(durations, count, 0.5), _percentile(durations, count, 0.95)


def _finished_by_platform(since: datetime) -> dict[str, dict[str, int]]:
    rows = (
        Publication.objects.filter(
            finished_at__gte=since,
            status__in=[PublicationStatus.PUBLISHED, PublicationStatus.FAILED],
        )
        .values("platform")
        .annotate(
            published=Count("id", filter=Q(status=PublicationStatus.PUBLISHED)),
            failed=Count("id", filter=Q(status=PublicationStatus.FAILED)),
        )
    )
    return {r["platform"]: {"published": r["published"], "failed": r["failed"]} for r in rows}


def _connections_by_platform() -> dict[str, dict[str, int]]:
    rows = PlatformConnection.objects.values("platform").annotate(
        active=Count("id", filter=Q(status=ConnectionStatus.ACTIVE)),
        failing=Count("id", filter=Q(status=ConnectionStatus.ACTIVE, last_check_ok=False)),
        expired=Count("id", filter=Q(status=ConnectionStatus.EXPIRED)),
    )
    return {r["platform"]: r for r in rows}


def _retries_by_platform(now: datetime) -> dict[str, int]:
    rows = (
        Publication.objects.filter(status=PublicationStatus.QUEUED, next_attempt_at__gt=now)
        .values("platform")
        .annotate(n=Count("id"))
    )
    return {r["platform"]: r["n"] for r in rows}


def staff_platform_figures(
    *, now: datetime | None = None, queue_lengths: dict[str, int] | None = None
) -> list[PlatformFigures]:
    now = now or timezone.now()
    since = now - WINDOW
    finished = _finished_by_platform(since)
    connections = _connections_by_platform()
    due = due_unclaimed_by_platform(now=now)
    retries = _retries_by_platform(now)
    figures = []
    for platform in platform_values():
        median, p95 = _latencies(platform, since)
        conn = connections.get(platform, {})
        waiting, oldest = due.get(platform, (0, None))
        figures.append(
            PlatformFigures(
                platform=platform,
                label=platform_label(platform),
                published=finished.get(platform, {}).get("published", 0),
                failed=finished.get(platform, {}).get("failed", 0),
                latency_median=median,
                latency_p95=p95,
                queue_length=None
                if queue_lengths is None
                else queue_lengths.get(publish_queue(platform)),
                due=waiting,
                due_oldest_seconds=oldest,
                retries_waiting=retries.get(platform, 0),
                connections_active=conn.get("active", 0),
                connections_failing=conn.get("failing", 0),
                connections_expired=conn.get("expired", 0),
            )
        )
    return figures


def staff_latest_failures(*, limit: int = FAILURES_SHOWN) -> list[Failure]:
    rows = (
        Publication.objects.filter(status=PublicationStatus.FAILED)
        .select_related("clip__owner", "destination")
        .order_by("-finished_at", "-id")[:limit]
    )
    return [
        Failure(
            publication_id=p.pk,
            platform_label=platform_label(p.platform),
            destination_label=p.destination.place_label,
            clip_title=p.clip.title,
            owner=p.clip.owner.get_username(),
            error_message=redact(p.error_message),
            error_code=redact(p.error_code),
            attempts=p.attempts,
            finished_at=p.finished_at,
            admin_url=reverse("admin:publishing_publication_change", args=[p.pk]),
        )
        for p in rows
    ]


def _beat_last_run() -> datetime | None:
    from django_celery_beat.models import PeriodicTask

    return (
        PeriodicTask.objects.filter(name=DISPATCH_ENTRY)
        .values_list("last_run_at", flat=True)
        .first()
    )


def _problems(overview: Overview, queue_lengths: dict[str, int]) -> list[str]:
    problems: list[str] = []
    for fig in overview.platforms:
        rate = fig.success_rate
        if fig.success_state in ("warning", "critical") and rate is not None:
            problems.append(
                f"{fig.label}: успешно {rate * 100:.0f} % публикаций за 24 ч "
                f"({fig.failed} с ошибкой из {fig.finished})."
            )
        if fig.due_oldest_seconds is not None and fig.due_oldest_seconds > LAG_LIMIT_SECONDS:
            problems.append(
                f"{fig.label}: {fig.due} публ. ждут отправки, самая старая — "
                f"{int(fig.due_oldest_seconds // 60)} мин {int(fig.due_oldest_seconds % 60)} с."
            )
    for queue, length in sorted(queue_lengths.items()):
        if length > QUEUE_LIMIT:
            problems.append(f"Очередь «{queue}»: {length} задач ждут воркера.")
    if not overview.broker_ok:
        problems.append("Брокер (Redis) не ответил: длина очередей неизвестна.")
    last = overview.beat_last_run_at
    if last is None:
        problems.append("Планировщик (beat) ещё ни разу не запускал диспетчер.")
    elif (overview.generated_at - last).total_seconds() > BEAT_LIMIT_SECONDS:
        ago = int((overview.generated_at - last).total_seconds())
        problems.append(f"Планировщик (beat) не запускал диспетчер уже {ago} с.")
    return problems


def staff_overview(*, now: datetime | None = None) -> Overview:
    """Everything ``/staff/`` shows, with the list of what is wrong (empty: all is well)."""
    now = now or timezone.now()
    try:
        queue_lengths: dict[str, int] | None = broker_queue_lengths()
    except Exception:
        queue_lengths = None
    overview = Overview(
        generated_at=now,
        platforms=staff_platform_figures(now=now, queue_lengths=queue_lengths),
        failures=staff_latest_failures(),
        beat_last_run_at=_beat_last_run(),
        broker_ok=queue_lengths is not None,
    )
    overview.problems.extend(_problems(overview, queue_lengths or {}))
    return overview
