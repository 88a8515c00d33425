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
