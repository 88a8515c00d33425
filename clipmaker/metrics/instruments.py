"""The counters, histograms and heartbeat gauges every process writes (multiprocess mode).

Only ``clipmaker.metrics.events`` (from the product's log events) and
``clipmaker.metrics.heartbeat`` write them; ``/metrics`` reads them from the shared directory.
Figures read from the database or the broker at scrape time live in ``collectors``.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from clipmaker.metrics.multiproc import multiprocess_values_install

multiprocess_values_install()

# Click (or the scheduled time) to published: seconds to hours, retries included.
LATENCY_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21600)

publications = Counter(
    "clipmaker_publications",
    "Publications that reached an end: published, failed or cancelled",
    ["platform", "outcome"],
)
publish_latency = Histogram(
    "clipmaker_publish_latency_seconds",
    "From the click (queued) to published on the platform",
    ["platform"],
    buckets=LATENCY_BUCKETS,
)
publish_attempts = Counter(
    "clipmaker_publish_attempts", "Publish attempts started by a worker", ["platform"]
)
publish_retries = Counter(
    "clipmaker_publish_retries",
    "Publications sent back to the queue for a later attempt",
    ["platform", "reason"],
)
rate_limit_waits = Counter(
    "clipmaker_rate_limit_waits",
    "Publish attempts delayed by a rate limit: the platform's (429) or our shared bucket",
    ["platform", "source"],
)
rate_limit_wait_seconds = Counter(
    "clipmaker_rate_limit_wait_seconds",
    "Seconds of delay imposed by rate limits",
    ["platform", "source"],
)
token_refreshes = Counter(
    "clipmaker_token_refreshes",
    "Token refreshes by outcome (success, failed)",
    ["platform", "outcome"],
)
connection_changes = Counter(
    "clipmaker_connection_changes",
    "Platform connections made and removed",
    ["platform", "change"],
)
stats_sync_runs = Counter("clipmaker_stats_sync_runs", "Stats sync runs completed")
stats_sync_rows = Counter(
    "clipmaker_stats_sync_rows", "Publications whose stats a sync run updated"
)
stats_sync_publications = Counter(
    "clipmaker_stats_sync_publications", "Publications a sync run found due"
)
stats_sync_http_calls = Counter(
    "clipmaker_stats_sync_http_calls", "HTTP calls made to the platforms by stats sync runs"
)
stats_sync_failures = Counter(
    "clipmaker_stats_sync_failures",
    "Connections whose stats could not be fetched in a run",
    ["platform"],
)
stats_sync_last_success = Gauge(
    "clipmaker_stats_sync_last_success_timestamp_seconds",
    "When the last stats sync run completed (Unix time)",
    multiprocess_mode="max",
)
worker_heartbeat = Gauge(
    "clipmaker_worker_heartbeat_timestamp_seconds",
    "Last sign of life of a worker consuming the queue (Unix time)",
    ["queue"],
    multiprocess_mode="max",
)
beat_heartbeat = Gauge(
    "clipmaker_beat_heartbeat_timestamp_seconds",
    "Last sign of life of the beat process (Unix time)",
    multiprocess_mode="max",
)


def _initialise_series() -> None:
    # Each platform's series exist at 0 from the first scrape: Prometheus' increase() cannot
    # see the first event of a series that is born at 1, so a first failure would go unseen.
    from platforms.providers import platform_values

    for platform in platform_values():
        for outcome in ("published", "failed", "cancelled"):
            publications.labels(platform=platform, outcome=outcome)
        for outcome in ("success", "failed"):
            token_refreshes.labels(platform=platform, outcome=outcome)
        publish_latency.labels(platform=platform)
        publish_attempts.labels(platform=platform)


_initialise_series()
