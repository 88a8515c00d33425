"""/metrics exposes publication, queue and connection figures read from the database."""

from __future__ import annotations

import pytest
from django.utils import timezone

from platforms.constants import Platform
from publishing.models import PublicationStatus
from tests.factories import PlatformConnectionFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def test_metrics_report_publications_queue_depth_and_latency(client):
    now = timezone.now()
    PublicationFactory(platform=Platform.VK, status=PublicationStatus.QUEUED)
    PublicationFactory(platform=Platform.VK, status=PublicationStatus.QUEUED)
    PublicationFactory(
        platform=Platform.TELEGRAM,
        status=PublicationStatus.PUBLISHED,
        queued_at=now - timezone.timedelta(seconds=4),
        published_at=now,
        finished_at=now,
    )
    PlatformConnectionFactory(platform=Platform.DZEN, status="expired")

    body = client.get("/metrics").content.decode()

    assert 'clipmaker_publications{platform="vk",status="queued"} 2.0' in body
    assert 'clipmaker_queue_depth{platform="vk"} 2.0' in body
    assert (
        'clipmaker_publications_finished_last_hour{outcome="published",platform="telegram"} 1.0'
        in body
    )
    assert 'clipmaker_publish_latency_seconds{quantile="0.5"} 4.0' in body
    assert 'clipmaker_platform_connections{platform="dzen",status="expired"} 1.0' in body
    assert "clipmaker_token_refresh_failures_last_hour 1.0" in body


def test_metrics_ask_for_the_token_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"

    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")

    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"] == "Bearer"
    assert right.status_code == 200
    assert "clipmaker_queue_depth" in right.content.decode()


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
    scrape = client.get("/metrics", HTTP_HOST="web:8000", HTTP_AUTHORIZATION="Bearer scrape-secret")
    page = client.get("/clips/", HTTP_HOST="127.0.0.1:8000")

    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert scrape.status_code == 200
    assert page.status_code == 400  # every other path still checks the host
