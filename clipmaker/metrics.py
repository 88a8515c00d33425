"""Prometheus metrics computed from the database at scrape time.

Web, worker and beat are separate processes; reading the figures from PostgreSQL (the source of
truth) gives one consistent view without a multiprocess metrics directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Count, F, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

WINDOW = timedelta(hours=1)
QUANTILES = (0.5, 0.95, 0.99)


class DatabaseCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        from platforms.models import PlatformConnection
        from publishing.models import Publication, PublicationStatus
        from stats.selectors import stats_stale_count

        now = timezone.now()
        by_status = GaugeMetricFamily(
            "clipmaker_publications",
            "Publications by platform and status",
            labels=["platform", "status"],
        )
        for row in Publication.objects.values("platform", "status").annotate(n=Count("id")):
            by_status.add_metric([row["platform"], row["status"]], row["n"])
        yield by_status

        finished = GaugeMetricFamily(
            "clipmaker_publications_finished_last_hour",
            "Publications that reached published or failed in the last hour",
            labels=["platform", "outcome"],
        )
        recent = (
            Publication.objects.filter(
                finished_at__gte=now - WINDOW,
                status__in=[PublicationStatus.PUBLISHED, PublicationStatus.FAILED],
            )
            .values("platform", "status")
            .annotate(n=Count("id"))
        )
        for row in recent:
            finished.add_metric([row["platform"], row["status"]], row["n"])
        yield finished

        depth = GaugeMetricFamily(
            "clipmaker_queue_depth", "Queued publications that are due now", labels=["platform"]
        )
        due = (
            Publication.objects.filter(status=PublicationStatus.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .values("platform")
            .annotate(n=Count("id"))
        )
        for row in due:
            depth.add_metric([row["platform"]], row["n"])
        yield depth

        latency = GaugeMetricFamily(
            "clipmaker_publish_latency_seconds",
            "Queued to published over the last hour",
            labels=["quantile"],
        )
        durations = sorted(
            d.total_seconds()
            for d in Publication.objects.filter(
                status=PublicationStatus.PUBLISHED,
                published_at__gte=now - WINDOW,
                queued_at__isnull=False,
            )
            .annotate(d=F("published_at") - F("queued_at"))
            .values_list("d", flat=True)[:10000]
            if d is not None
        )
        for q in QUANTILES:
            if durations:
                latency.add_metric(
                    [str(q)], durations[min(len(durations) - 1, int(q * len(durations)))]
                )
        yield latency

        connections = GaugeMetricFamily(
            "clipmaker_platform_connections",
            "Platform connections by status",
            labels=["platform", "status"],
        )
        for row in PlatformConnection.objects.values("platform", "status").annotate(n=Count("id")):
            connections.add_metric([row["platform"], row["status"]], row["n"])
        yield connections

        refresh_failed = GaugeMetricFamily(
            "clipmaker_token_refresh_failures_last_hour",
            "Connections marked expired (refresh refused) in the last hour",
        )
        refresh_failed.add_metric(
            [],
            PlatformConnection.objects.filter(
                status="expired", updated_at__gte=now - WINDOW
            ).count(),
        )
        yield refresh_failed

        stale = GaugeMetricFamily(
            "clipmaker_stats_stale_publications",
            "Published publications whose stats the sync has not confirmed for over 6 hours",
        )
        stale.add_metric([], stats_stale_count(now=now))
        yield stale
