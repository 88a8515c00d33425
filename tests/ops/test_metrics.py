"""/metrics: counters from the product's events in any process, gauges read at scrape time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from clipmaker.logging import log_event
from platforms.constants import Platform
from publishing.models import PublicationStatus
from tests.factories import PlatformConnectionFactory, PublicationFactory
from tests.ops.metrics_support import has, scrape, value

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_a_published_event_counts_the_outcome_and_the_latency(client):
    before = scrape(client)

    log_event("publish_job_start", publication_id=1, platform="vk", attempt=1)
    log_event("publish_job_success", publication_id=1, platform="vk", latency_seconds=4.2)
    log_event("publish_job_failed", publication_id=2, platform="telegram", reason="permanent")

    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("clipmaker_publications_total", platform="vk", outcome="published") == 1
    assert delta("clipmaker_publications_total", platform="telegram", outcome="failed") == 1
    assert delta("clipmaker_publish_attempts_total", platform="vk") == 1
    assert delta("clipmaker_publish_latency_seconds_count", platform="vk") == 1
    assert delta("clipmaker_publish_latency_seconds_bucket", platform="vk", le="5.0") == 1
    assert delta("clipmaker_publish_latency_seconds_bucket", platform="vk", le="2.0") == 0
    assert delta("clipmaker_publish_latency_seconds_sum", platform="vk") == pytest.approx(4.2)


def test_retries_count_by_reason_and_rate_limits_by_whose_limit(client):
    before = scrape(client)

    for reason, delay in (("transient", 300), ("rate_limited", 30), ("rate_limit_local", 0.5)):
        log_event(
            "publish_job_retry",
            publication_id=3,
            platform="dzen",
            reason=reason,
            delay_seconds=delay,
            uses_attempt=reason == "transient",
        )

    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    for reason in ("transient", "rate_limited", "rate_limit_local"):
        assert delta("clipmaker_publish_retries_total", platform="dzen", reason=reason) == 1
    assert delta("clipmaker_rate_limit_waits_total", platform="dzen", source="platform") == 1
    assert delta("clipmaker_rate_limit_waits_total", platform="dzen", source="local") == 1
    assert delta(
        "clipmaker_rate_limit_wait_seconds_total", platform="dzen", source="platform"
    ) == pytest.approx(30)


def test_refreshes_cancels_and_stats_runs_are_counted(client):
    before = scrape(client)
    started = time.time()

    log_event("token_refresh_success", connection_id="c1", platform="vk")
    log_event("token_refresh_failed", connection_id="c2", platform="dzen", error="AuthExpired")
    log_event("publish_job_cancelled", publication_id=5, platform="rutube", reason="user", rows=1)
    # a disconnect cancels a user's waiting publications in one edge
    log_event("publish_job_cancelled", user_id=1, platform="vk", reason="disconnected", rows=3)
    log_event("stats_sync_complete", publications=12, updated=10, failed_connections=1, seconds=1)
    log_event("stats_sync_failed", platform="vk", connection_id="c3", error="TransientError")

    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("clipmaker_token_refreshes_total", platform="vk", outcome="success") == 1
    assert delta("clipmaker_token_refreshes_total", platform="dzen", outcome="failed") == 1
    assert delta("clipmaker_publications_total", platform="rutube", outcome="cancelled") == 1
    assert delta("clipmaker_publications_total", platform="vk", outcome="cancelled") == 3
    assert delta("clipmaker_stats_sync_runs_total") == 1
    assert delta("clipmaker_stats_sync_rows_total") == 10
    assert delta("clipmaker_stats_sync_publications_total") == 12
    assert delta("clipmaker_stats_sync_failures_total", platform="vk") == 1
    assert value(after, "clipmaker_stats_sync_last_success_timestamp_seconds") >= started


def test_stats_http_calls_are_counted_when_the_event_carries_them(client):
    before = scrape(client)

    log_event("stats_sync_complete", publications=3, updated=3, http_calls=2, seconds=0.1)

    after = scrape(client)
    assert (
        value(after, "clipmaker_stats_sync_http_calls_total")
        - value(before, "clipmaker_stats_sync_http_calls_total")
        == 2
    )


def test_counters_of_another_process_add_up_on_this_ones_metrics(client):
    """The multiprocess directory: what a separate process counted shows here."""
    before = scrape(client)
    code = (
        "import django; django.setup()\n"
        "from clipmaker.logging import log_event\n"
        "for _ in range(3):\n"
        "    log_event('publish_job_success', publication_id=1, platform='rutube',"
        " latency_seconds=1)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clipmaker.settings", "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, check=True, timeout=60)

    after = scrape(client)
    published = {"platform": "rutube", "outcome": "published"}
    assert (
        value(after, "clipmaker_publications_total", **published)
        - value(before, "clipmaker_publications_total", **published)
        == 3
    )


def test_database_gauges_report_due_rows_their_wait_retries_and_connections(client):
    now = timezone.now()
    PublicationFactory(
        platform=Platform.VK,
        status=PublicationStatus.QUEUED,
        next_attempt_at=now - timedelta(seconds=90),
    )
    PublicationFactory(
        platform=Platform.VK,
        status=PublicationStatus.SCHEDULED,
        scheduled_at=now - timedelta(seconds=10),
    )
    PublicationFactory(  # a retry waiting: not due
        platform=Platform.VK,
        status=PublicationStatus.QUEUED,
        attempts=1,
        next_attempt_at=now + timedelta(minutes=5),
    )
    PublicationFactory(  # scheduled later: not due
        platform=Platform.TELEGRAM,
        status=PublicationStatus.SCHEDULED,
        scheduled_at=now + timedelta(hours=1),
    )
    PlatformConnectionFactory(platform=Platform.DZEN, status="expired")

    samples = scrape(client)

    assert value(samples, "clipmaker_publications_due", platform="vk") == 2
    assert value(samples, "clipmaker_publications_due_oldest_seconds", platform="vk") >= 90
    assert not has(samples, "clipmaker_publications_due", platform="telegram")
    assert value(samples, "clipmaker_publications_retry_waiting", platform="vk") == 1
    assert value(samples, "clipmaker_publications_by_status", platform="vk", status="queued") == 2
    assert value(samples, "clipmaker_platform_connections", platform="dzen", status="expired") == 1


def test_beat_last_dispatch_comes_from_the_schedule(client):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every = IntervalSchedule.objects.create(every=2, period=IntervalSchedule.SECONDS)
    ran = timezone.now() - timedelta(seconds=5)
    PeriodicTask.objects.create(
        name="clipmaker:dispatch",
        task="publishing.tasks.dispatch_due_publications",
        interval=every,
        last_run_at=ran,
    )

    samples = scrape(client)

    assert value(samples, "clipmaker_beat_last_dispatch_timestamp_seconds") == pytest.approx(
        ran.timestamp()
    )


@pytest.fixture
def idle_queue(settings, tmp_path):  # type: ignore[no-untyped-def]
    """A broker queue nobody consumes in this test; emptied afterwards."""
    from clipmaker.celery import app
    from tests.fixtures.worker import _reset_producer

    saved = dict(app.conf.broker_transport_options or {})
    if not settings.REDIS_URL:
        broker = tmp_path / "broker"
        for sub in ("out", "processed", "control"):
            (broker / sub).mkdir(parents=True)
        app.conf.broker_transport_options = {
            **saved,
            "data_folder_in": str(broker / "out"),
            "data_folder_out": str(broker / "out"),
        }
        _reset_producer(app)
    yield "rutube"
    if settings.REDIS_URL:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("rutube")
    else:
        app.conf.broker_transport_options = saved
        _reset_producer(app)


def test_broker_queue_length_is_read_from_the_broker_for_every_configured_queue(client, idle_queue):
    from clipmaker.celery import app

    before = scrape(client)
    for _ in range(3):
        app.send_task("publishing.tasks.noop", queue=idle_queue)

    after = scrape(client)

    configured = {q.name for q in app.conf.task_queues}
    reported = {
        dict(labels)["queue"] for name, labels in after if name == "clipmaker_broker_queue_length"
    }
    assert reported == configured and "control" in reported
    assert (
        value(after, "clipmaker_broker_queue_length", queue=idle_queue)
        - value(before, "clipmaker_broker_queue_length", queue=idle_queue)
        == 3
    )
    assert value(after, "clipmaker_broker_up") == 1


def test_metrics_ask_for_the_token_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"

    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")

    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"] == "Bearer"
    assert right.status_code == 200
    assert "clipmaker_broker_queue_length" in right.content.decode()


def test_production_keeps_metrics_closed_until_a_token_is_set(client, settings):
    settings.PRODUCTION = True
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics")

    assert response.status_code == 403
    assert "METRICS_TOKEN" in response.content.decode()


def test_probes_answer_an_internal_address_over_plain_http(client, settings):
    # What a container health check and a Prometheus scrape look like in production.
    settings.ALLOWED_HOSTS = ["clipmaker.example"]
    settings.SECURE_SSL_REDIRECT = True
    settings.METRICS_TOKEN = "scrape-secret"

    health = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    scrape_ = client.get(
        "/metrics", HTTP_HOST="web:8000", HTTP_AUTHORIZATION="Bearer scrape-secret"
    )
    page = client.get("/clips/", HTTP_HOST="127.0.0.1:8000")

    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert scrape_.status_code == 200
    assert page.status_code == 400  # every other path still checks the host


@pytest.mark.integration
def test_a_worker_only_host_serves_its_metrics_and_nothing_else(transactional_db, tmp_path):
    import socket

    import requests

    from tests.fixtures.worker import database_url

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log_event("publish_job_success", publication_id=1, platform="dzen", latency_seconds=1)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clipmaker.settings",
        "DATABASE_URL": database_url(),
        "METRICS_TOKEN": "host-scrape",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve_metrics", "--bind", "127.0.0.1", "--port", str(port)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                refused = requests.get(f"{url}/metrics", timeout=10)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        scraped = requests.get(
            f"{url}/metrics", headers={"Authorization": "Bearer host-scrape"}, timeout=10
        )
        other = requests.get(f"{url}/clips/", timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert refused.status_code == 401
    assert scraped.status_code == 200
    assert 'clipmaker_publications_total{outcome="published",platform="dzen"}' in scraped.text
    assert other.status_code == 404
