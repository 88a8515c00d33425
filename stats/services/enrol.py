"""Enrolment: every published publication on a platform with stats gets a sync schedule.

The sync calls it at the start of each run, so the publishing engine needs no hook: a clip
published a moment ago is asked about in the next run.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models.fields.json import KeyTextTransform

from publishing.models import Publication, PublicationStatus
from stats.models import StatsTrack
from stats.services.schedule import next_due, platforms_with_stats

# Enrolled per run at most; the rest in the next run (a deploy onto a large existing table).
ENROL_LIMIT = 20_000


def stats_enrol(*, now: datetime, limit: int = ENROL_LIMIT) -> int:
    """Create the schedules of newly published publications, each read with the credential of
    its destination's connection (one connection's places share its batches); link schedules
    whose connection was missing. Returns how many were created.

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
            "destination__connection_id",
            KeyTextTransform("id", "platform_handle"),
            "views",
            "likes",
            "comments",
            "shares",
        )[:limit]
    )
    created = 0
    if rows:
        tracks = []
        for (
            pub_id,
            platform,
            published_at,
            created_at,
            fetched_at,
            conn_id,
            handle_id,
            *fig,
        ) in rows:
            published = published_at or created_at
            due = (
                now
                if fetched_at is None
                else next_due(published_at=published, checked_at=fetched_at)
            )
            tracks.append(
                StatsTrack(
                    publication_id=pub_id,
                    connection_id=conn_id,
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


def _link_orphans(*, limit: int) -> None:
    """Schedules enrolled without a connection get their destination's."""
    orphans = list(
        StatsTrack.objects.filter(
            connection__isnull=True,
            gone_at__isnull=True,
            publication__destination__connection__isnull=False,
        ).values_list("publication_id", "publication__destination__connection_id")[:limit]
    )
    by_connection: dict[Any, list[int]] = defaultdict(list)
    for pub_id, conn_id in orphans:
        by_connection[conn_id].append(pub_id)
    for conn_id, ids in by_connection.items():
        StatsTrack.objects.filter(publication_id__in=ids, connection__isnull=True).update(
            connection_id=conn_id
        )
