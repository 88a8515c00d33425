"""Stats sync: keep every published publication's figures fresh, with a history for charts."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clipmaker.logging import log_event
from platforms.models import ConnectionStatus, PlatformConnection
from platforms.providers import get_provider, provider_classes
from platforms.providers.base import PlatformHandle
from platforms.providers.errors import ProviderError
from publishing.models import Publication, PublicationStatus
from stats.models import StatsSnapshot


@dataclass(frozen=True)
class StatsSyncResult:
    publications: int
    updated: int
    failed_connections: int
    seconds: float


def _platforms_with_stats() -> list[str]:
    return [str(p.platform) for p in provider_classes() if p.supports_stats]


def stats_due(*, now: datetime, max_age: timedelta) -> Iterable[Publication]:
    """Published publications whose figures are missing or older than ``max_age``."""
    stale_before = now - max_age
    return (
        Publication.objects.filter(
            status=PublicationStatus.PUBLISHED, platform__in=_platforms_with_stats()
        )
        .filter(Q(stats_updated_at__isnull=True) | Q(stats_updated_at__lt=stale_before))
        .exclude(platform_handle__isnull=True)
        .select_related("clip", "destination")
        .order_by("stats_updated_at", "id")
    )


def stats_sync(
    *, now: datetime | None = None, max_age: timedelta | None = None, limit: int = 5000
) -> StatsSyncResult:
    """Fetch figures in platform batches per connection (credential), then one bulk write per
    connection.

    Runs every 15 minutes and refreshes what is older than ``STATS_REFRESH_AFTER`` (5 h), so
    every published publication is fresh within 6 hours. No transaction is held across a
    platform call.
    """
    started = time.monotonic()
    now = now or timezone.now()
    max_age = max_age or timedelta(seconds=settings.STATS_REFRESH_AFTER_SECONDS)
    due = list(stats_due(now=now, max_age=max_age)[:limit])

    # One batch per credential (connection): every destination of a connection is read with
    # its token, so a bot or a VK account with several places costs one request per batch.
    groups: dict[tuple[Any, str], list[Publication]] = defaultdict(list)
    for publication in due:
        groups[(publication.destination.connection_id, publication.platform)].append(publication)
    connections = {
        c.pk: c
        for c in PlatformConnection.objects.filter(
            pk__in={connection_id for connection_id, _ in groups}, status=ConnectionStatus.ACTIVE
        )
    }

    updated = failed = 0
    for (connection_id, platform), publications in groups.items():
        connection = connections.get(connection_id)
        if connection is None:
            continue
        handles = {PlatformHandle.from_json(p.platform_handle).id: p for p in publications}
        try:
            figures = get_provider(platform).fetch_stats(
                credentials=connection.credentials(),
                handles=[PlatformHandle.from_json(p.platform_handle) for p in publications],
            )
        except ProviderError as exc:
            failed += 1
            log_event(
                "stats_sync_failed",
                platform=platform,
                connection_id=str(connection.id),
                error=type(exc).__name__,
                code=str(exc.code or ""),
            )
            continue
        changed: list[Publication] = []
        snapshots: list[StatsSnapshot] = []
        for handle_id, stats in figures.items():
            publication = handles.get(str(handle_id))
            if publication is None:
                continue
            publication.views, publication.likes = stats.views, stats.likes
            publication.comments, publication.shares = stats.comments, stats.shares
            publication.stats_updated_at = now
            changed.append(publication)
            snapshots.append(
                StatsSnapshot(
                    publication=publication,
                    collected_at=now,
                    views=stats.views,
                    likes=stats.likes,
                    comments=stats.comments,
                    shares=stats.shares,
                )
            )
        # Videos the platform left out (hidden or deleted) keep their last figures but are
        # marked as checked, so they do not block the batch every run.
        for publication in publications:
            if publication.stats_updated_at != now:
                publication.stats_updated_at = now
                changed.append(publication)
        with transaction.atomic():
            Publication.objects.bulk_update(
                changed,
                ["views", "likes", "comments", "shares", "stats_updated_at"],
                batch_size=500,
            )
            StatsSnapshot.objects.bulk_create(snapshots, batch_size=500)
        updated += len(snapshots)

    result = StatsSyncResult(
        publications=len(due),
        updated=updated,
        failed_connections=failed,
        seconds=round(time.monotonic() - started, 3),
    )
    log_event(
        "stats_sync_complete",
        publications=result.publications,
        updated=result.updated,
        failed_connections=result.failed_connections,
        seconds=result.seconds,
    )
    return result
