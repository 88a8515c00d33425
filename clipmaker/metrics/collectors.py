"""Gauges read at scrape time: broker queues (Redis) and the state of the database.

Counters of what the processes did are not here: the processes write those themselves
(``clipmaker.metrics.events``). What is read here is a state that any process would read the
same way: how many messages wait per broker queue, how many rows are due but not yet claimed
and for how long the oldest has waited, connections by state, stale stats, whether beat runs.
Each figure is a few indexed aggregate queries; no row is loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from clipmaker.broker_queues import broker_queue_lengths

logger = logging.getLogger(__name__)

STATS_MAX_AGE = timedelta(hours=6)
DISPATCH_ENTRY = "clipmaker:dispatch"


def due_unclaimed_rows() -> Any:
    """Publications whose time has come and that no worker has claimed yet."""
    from publishing.models import Publication, PublicationStatus

    now = timezone.now()
    return Publication.objects.filter(
        Q(status=PublicationStatus.SCHEDULED, scheduled_at__lte=now)
        | Q(status=PublicationStatus.QUEUED)
        & (Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
    )


def due_unclaimed_by_platform(*, now: datetime) -> dict[str, tuple[int, float | None]]:
    """Per platform: how many rows are due and unclaimed, and the oldest one's wait (s)."""
    rows = (
        due_unclaimed_rows()
        .annotate(due_at=Coalesce("next_attempt_at", "scheduled_at", "queued_at"))
        .values("platform")
        .annotate(n=Count("id"), oldest=Min("due_at"))
    )
    return {
        r["platform"]: (
            r["n"],
            max(0.0, (now - r["oldest"]).total_seconds()) if r["oldest"] else None,
        )
        for r in rows
    }


class BrokerCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        length = GaugeMetricFamily(
            "clipmaker_broker_queue_length",
            "Messages waiting in the broker per queue",
            labels=["queue"],
        )
        up = GaugeMetricFamily("clipmaker_broker_up", "1 when the broker answered the scrape")
        try:
            lengths = broker_queue_lengths()
        except Exception:
            logger.warning("broker_queue_length_unavailable", exc_info=True)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            for queue, n in sorted(lengths.items()):
                length.add_metric([queue], n)
        yield length
        yield up


class DatabaseCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        from django_celery_beat.models import PeriodicTask

        from platforms.models import PlatformConnection
        from publishing.models import Publication, PublicationStatus

        now = timezone.now()
        by_status = GaugeMetricFamily(
            "clipmaker_publications_by_status",
            "Publications by platform and status",
            labels=["platform", "status"],
        )
        for row in Publication.objects.values("platform", "status").annotate(n=Count("id")):
            by_status.add_metric([row["platform"], row["status"]], row["n"])
        yield by_status

        due = GaugeMetricFamily(
            "clipmaker_publications_due",
            "Publications due but not claimed by a worker",
            labels=["platform"],
        )
        lag = GaugeMetricFamily(
            "clipmaker_publications_due_oldest_seconds",
            "How long the oldest due, unclaimed publication has waited",
            labels=["platform"],
        )
        for platform, (n, oldest) in sorted(due_unclaimed_by_platform(now=now).items()):
            due.add_metric([platform], n)
            lag.add_metric([platform], oldest or 0.0)
        yield due
        yield lag

        retries = GaugeMetricFamily(
            "clipmaker_publications_retry_waiting",
            "Queued publications waiting for a later attempt",
            labels=["platform"],
        )
        for row in (
            Publication.objects.filter(status=PublicationStatus.QUEUED, next_attempt_at__gt=now)
            .values("platform")
            .annotate(n=Count("id"))
        ):
            retries.add_metric([row["platform"]], row["n"])
        yield retries

        connections = GaugeMetricFamily(
            "clipmaker_platform_connections",
            "Platform connections by state",
            labels=["platform", "status"],
        )
        for row in PlatformConnection.objects.values("platform", "status").annotate(n=Count("id")):
            connections.add_metric([row["platform"], row["status"]], row["n"])
        yield connections

        stale = GaugeMetricFamily(
            "clipmaker_stats_stale_publications",
            "Published publications whose stats are older than 6 hours",
        )
        # The stats schedule's own view: gone videos and inactive connections excluded.
        from stats.selectors import stats_stale_count

        stale.add_metric([], stats_stale_count(now=now))
        yield stale

        beat = GaugeMetricFamily(
            "clipmaker_beat_last_dispatch_timestamp_seconds",
            "When beat last sent the dispatcher (Unix time)",
        )
        last = (
            PeriodicTask.objects.filter(name=DISPATCH_ENTRY)
            .values_list("last_run_at", flat=True)
            .first()
        )
        if last is not None:
            beat.add_metric([], last.timestamp())
        yield beat
