"""The stale-stats metric: published videos the sync should have confirmed by now and has not
(gone videos and inactive connections do not count: nobody can fetch those)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from platforms.models import ConnectionStatus
from tests.factories import PlatformConnectionFactory, StatsTrackFactory

pytestmark = pytest.mark.django_db


def test_stale_stats_are_counted_and_exposed(client):
    now = timezone.now()
    live = PlatformConnectionFactory(platform="vk")
    expired = PlatformConnectionFactory(platform="dzen", status=ConnectionStatus.EXPIRED)
    long_ago = now - timedelta(hours=7)
    StatsTrackFactory(connection=live, checked_at=long_ago)  # stale
    StatsTrackFactory(connection=live, checked_at=None, published_at=long_ago)  # never asked
    StatsTrackFactory(connection=live, checked_at=now - timedelta(hours=5))  # fresh
    StatsTrackFactory(connection=live, checked_at=long_ago, gone_at=now)  # gone
    StatsTrackFactory(connection=expired, checked_at=long_ago)  # cannot be asked

    body = client.get("/metrics").content.decode()

    assert "clipmaker_stats_stale_publications 2.0" in body
