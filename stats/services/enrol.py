"""Enrolment: every published publication on a platform with stats gets a sync schedule.

The sync calls it at the start of each run, so the publishing engine needs no hook: a clip
published a moment ago is asked about in the next run.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models.fields.json import KeyTextTransform

from platforms.models import PlatformConnection
from publishing.models import Publication, PublicationStatus
from stats.models import StatsTrack
from stats.services.schedule import next_due, platforms_with_stats

# Enrolled per run at most; the rest in the next run (a deploy onto a large existing table).
ENROL_LIMIT = 20_000


def stats_enrol(*, now: datetime, limit: int = ENROL_LIMIT) -> int:
    """Create the schedules of newly published publications; link schedules whose connection
    was missing to the owner's connection. Returns how many were created.

    A publication whose figures were fetched before it had a schedule keeps its cadence from
    that fetch, so enrolling a large existing table does not ask about everything at once.
    """
    platforms = platforms_with_stats()
    rows = list(
        Publication.objects.filter(
            status=PublicationStatus.PUBLISHED,
            platform__in=platforms,
            stats_track__isnull=True,
            platform_handle__has_key="id",
        ).values_list(
            "id",
            "platform",
            "published_at",
            "created_at",
            "stats_updated_at",
            "clip__owner_id",
            KeyTextTransform("id", "platform_handle"),
            "views",
            "likes",
            "comments",
            "shares",
        )[:limit]
    )
    created = 0
    if rows:
        connections = _connections({(row[5], row[1]) for row in rows})
        tracks = []
        for pub_id, platform, published_at, created_at, fetched_at, owner, handle_id, *fig in rows:
            published = published_at or created_at
            due = (
                now
                if fetched_at is None
                else next_due(published_at=published, checked_at=fetched_at)
            )
            tracks.append(
                StatsTrack(
                    publication_id=pub_id,
                    connection_id=connections.get((owner, platform)),
                    platform=platform,
                    published_at=published,
                    due_at=due,
                    checked_at=fetched_at,
                    handle_id=str(handle_id),
                    views=fig[0],
                    likes=fig[1],
                    comments=fig[2],
                    shares=fig[3],
                )
            )
        StatsTrack.objects.bulk_create(tracks, batch_size=1000, ignore_conflicts=True)
        created = len(tracks)
    _link_orphans(limit=limit)
    return created


def _connections(keys: set[tuple[int, str]]) -> dict[tuple[int, str], object]:
    owners = {owner for owner, _ in keys}
    platforms = {platform for _, platform in keys}
    return {
        (user_id, platform): conn_id
        for conn_id, user_id, platform in PlatformConnection.objects.filter(
            user_id__in=owners, platform__in=platforms
        ).values_list("id", "user_id", "platform")
    }


def _link_orphans(*, limit: int) -> None:
    """Schedules enrolled before their owner ever connected the platform get the connection."""
    orphans = list(
        StatsTrack.objects.filter(connection__isnull=True, gone_at__isnull=True).values_list(
            "publication_id", "platform", "publication__clip__owner_id"
        )[:limit]
    )
    if not orphans:
        return
    connections = _connections({(owner, platform) for _, platform, owner in orphans})
    by_connection: dict[object, list[int]] = defaultdict(list)
    for pub_id, platform, owner in orphans:
        conn_id = connections.get((owner, platform))
        if conn_id is not None:
            by_connection[conn_id].append(pub_id)
    for conn_id, ids in by_connection.items():
        StatsTrack.objects.filter(publication_id__in=ids, connection__isnull=True).update(
            connection_id=conn_id
        )
