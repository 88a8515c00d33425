"""Stats sync: keep every published publication's figures fresh, with a history for charts."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
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


def _handle(publication: Publication) -> PlatformHandle:
    # stats_due() only returns publications with a stored handle.
    assert publication.platform_handle is not None
    return PlatformHandle.from_json(publication.platform_handle)


def stats_due(*, now: datetime, max_age: timedelta) -> QuerySet[Publication]:
    """Published publications whose figures are missing or older than ``max_age``."""
    stale_before = now - max_age
    return (
        Publication.objects.filter(
            status=PublicationStatus.PUBLISHED, platform__in=_platforms_with_stats()
        )
        .filter(Q(stats_updated_at__isnull=True) | Q(stats_updated_at__lt=stale_before))
        .exclude(platform_handle__isnull=True)
        .select_related("clip")
        .order_by("stats_updated_at", "id")
    )


def stats_sync(
    *, now: datetime | None = None, max_age: timedelta | None = None, limit: int = 5000
) -> StatsSyncResult:
    """Fetch figures in platform batches per connection, then one bulk write per connection.

    Runs every 15 minutes and refreshes what is older than ``STATS_REFRESH_AFTER`` (5 h), so
    every published publication is fresh within 6 hours. No transaction is held across a
    platform call.
    """
    started = time.monotonic()
    now = now or timezone.now()
    max_age = max_age or timedelta(seconds=settings.STATS_REFRESH_AFTER_SECONDS)
    due = list(stats_due(now=now, max_age=max_age)[:limit])

    groups: dict[tuple[int, str], list[Publication]] = defaultdict(list)
    for publication in due:
        groups[(publication.clip.owner_id, publication.platform)].append(publication)
    connections = {
        (c.user_id, c.platform): c
        for c in PlatformConnection.objects.filter(
            user_id__in={owner for owner, _ in groups}, status=ConnectionStatus.ACTIVE
        )
    }

    updated = failed = 0
    for (owner_id, platform), publications in groups.items():
        connection = connections.get((owner_id, platform))
        if connection is None:
            continue
        handles = {_handle(p).id: p for p in publications}
        try:
            figures = get_provider(platform).fetch_stats(
                credentials=connection.credentials(),
                handles=[_handle(p) for p in publications],
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
            if str(handle_id) not in handles:
                continue
            publication = handles[str(handle_id)]
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
