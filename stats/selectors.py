"""Stats reads shared by the pages, the API and the metrics.

A publication's state comes from its sync schedule (``stats_track``) and that schedule's
connection; the clip pages load both with the publications (``select_related``), so nothing
here queries per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q

from clipmaker.clips.models import Clip
from platforms.models import ConnectionStatus
from platforms.providers import platform_values, provider_class
from publishing.models import Publication, PublicationStatus
from stats.charts import ViewsChart, views_chart
from stats.models import StatsSnapshot, StatsTrack

# How often the clip page's stats panel refreshes itself.
PANEL_POLL_SECONDS = 30
# The API's history pages: this many points unless ``limit`` asks for fewer (at most MAX).
HISTORY_PAGE = 500
HISTORY_PAGE_MAX = 1000
# Stats older than this count as stale in the metrics: fresh within 6 hours, plus a quarter
# of an hour for the runs to work through the rows that came due together.
STALE_AFTER = timedelta(hours=6, minutes=15)

UNAVAILABLE_MESSAGE = "Статистика недоступна"
RECONNECT_MESSAGE = "Статистика недоступна: переподключите платформу"
GONE_MESSAGE = "Видео удалено или скрыто на платформе"
PENDING_MESSAGE = "Появится в течение нескольких минут"


class StatsState(StrEnum):
    NOT_PUBLISHED = "not_published"
    UNAVAILABLE = "unavailable"  # the platform has no stats (Telegram)
    PENDING = "pending"  # published, not asked yet
    OK = "ok"
    GONE = "gone"  # deleted or hidden on the platform: no longer asked
    RECONNECT = "connection_inactive"  # the connection expired or was disconnected


@dataclass(frozen=True)
class PublicationStats:
    publication: Publication
    state: StatsState
    message: str
    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    checked_at: datetime | None  # the platform last confirmed these figures
    changed_at: datetime | None  # a figure last changed
    gone_at: datetime | None

    @property
    def has_figures(self) -> bool:
        return self.views is not None


def supports_stats(platform: str) -> bool:
    return provider_class(platform).supports_stats


def _track(publication: Publication) -> StatsTrack | None:
    try:
        return publication.stats_track
    except ObjectDoesNotExist:
        return None


def publication_stats(publication: Publication) -> PublicationStats:
    """What the pages and the API say about one publication's figures."""
    track = _track(publication) if publication.status == PublicationStatus.PUBLISHED else None
    state, message = StatsState.OK, ""
    if not supports_stats(publication.platform):
        state, message = StatsState.UNAVAILABLE, UNAVAILABLE_MESSAGE
    elif publication.status != PublicationStatus.PUBLISHED:
        state = StatsState.NOT_PUBLISHED
    elif track is not None and track.gone_at is not None:
        state, message = StatsState.GONE, GONE_MESSAGE
    elif track is not None and (
        track.connection is None or track.connection.status != ConnectionStatus.ACTIVE
    ):
        state, message = StatsState.RECONNECT, RECONNECT_MESSAGE
    elif publication.views is None:
        state, message = StatsState.PENDING, PENDING_MESSAGE
    return PublicationStats(
        publication=publication,
        state=state,
        message=message,
        views=publication.views,
        likes=publication.likes,
        comments=publication.comments,
        shares=publication.shares,
        checked_at=(track.checked_at if track else None) or publication.stats_updated_at,
        changed_at=publication.stats_updated_at,
        gone_at=track.gone_at if track else None,
    )


def publication_stats_summary(publication: Publication) -> dict[str, Any] | None:
    """The API's ``stats`` object: None until the platform first answered."""
    stats = publication_stats(publication)
    if not stats.has_figures or stats.state in (
        StatsState.UNAVAILABLE,
        StatsState.NOT_PUBLISHED,
    ):
        return None
    return {
        "views": stats.views,
        "likes": stats.likes,
        "comments": stats.comments,
        "shares": stats.shares,
        "updated_at": stats.checked_at,
        "changed_at": stats.changed_at,
        "state": str(stats.state),
    }


def clip_total_views(publications: Iterable[Publication]) -> int | None:
    """Views of a clip across platforms, from already loaded publications (no query); None
    when no publication has figures yet. A video gone from a platform keeps its last count."""
    views = [
        p.views
        for p in publications
        if p.status == PublicationStatus.PUBLISHED and p.views is not None
    ]
    return sum(views) if views else None


# --- the clip page's panel --------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    views: int
    likes: int
    comments: int
    shares: int


@dataclass(frozen=True)
class ClipStatsPanel:
    clip: Clip
    rows: list[PublicationStats]  # published publications on platforms with stats
    totals: Totals | None
    chart: ViewsChart | None
    updated_at: datetime | None
    unavailable: list[str]  # platforms published to that have no stats (Telegram)
    poll: bool
    poll_seconds: int = PANEL_POLL_SECONDS


def clip_stats_panel(
    *, clip: Clip, publications: Sequence[Publication], tz: tzinfo
) -> ClipStatsPanel | None:
    """Totals, the views chart and the states for a clip's page; None when nothing is
    published yet. ``publications`` are the clip's, loaded with their ``stats_track``."""
    published = [p for p in publications if p.status == PublicationStatus.PUBLISHED]
    if not published:
        return None
    rows = [publication_stats(p) for p in published if supports_stats(p.platform)]
    unavailable = sorted(
        {p.get_platform_display() for p in published if not supports_stats(p.platform)}
    )
    counted = [r for r in rows if r.has_figures]
    totals = (
        Totals(
            views=sum(r.views or 0 for r in counted),
            likes=sum(r.likes or 0 for r in counted),
            comments=sum(r.comments or 0 for r in counted),
            shares=sum(r.shares or 0 for r in counted),
        )
        if counted
        else None
    )
    confirmed = [r.checked_at for r in counted if r.checked_at]
    return ClipStatsPanel(
        clip=clip,
        rows=rows,
        totals=totals,
        chart=_chart(counted, tz=tz),
        updated_at=max(confirmed) if confirmed else None,
        unavailable=unavailable,
        poll=any(r.state in (StatsState.OK, StatsState.PENDING) for r in rows),
    )


def _chart(rows: Sequence[PublicationStats], *, tz: tzinfo) -> ViewsChart | None:
    if not rows:
        return None
    history: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for pub_id, at, views in (
        StatsSnapshot.objects.filter(publication_id__in=[r.publication.pk for r in rows])
        .order_by("collected_at", "id")
        .values_list("publication_id", "collected_at", "views")
    ):
        history[pub_id].append((at, views))
    by_platform: dict[str, list[list[tuple[datetime, int]]]] = defaultdict(list)
    labels: dict[str, str] = {}
    for row in rows:
        pub = row.publication
        points = history.get(pub.pk, [])
        start = pub.published_at or (points[0][0] if points else None)
        end = row.gone_at or row.checked_at
        line = ([(start, 0)] if start and (not points or points[0][0] > start) else []) + points
        if end and line and end > line[-1][0] and row.views is not None:
            line.append((end, row.views))
        by_platform[pub.platform].append(line)
        labels[pub.platform] = pub.get_platform_display()
    order = {platform: n for n, platform in enumerate(platform_values())}
    return views_chart(
        [
            (platform, labels[platform], _sum_lines(by_platform[platform]))
            for platform in sorted(by_platform, key=order.__getitem__)
        ],
        tz=tz,
    )


def _sum_lines(lines: Sequence[Sequence[tuple[datetime, int]]]) -> list[tuple[datetime, int]]:
    """Several publications on one platform as one line: at every moment any of them changed,
    the sum of each one's latest figure (0 before it was published)."""
    if len(lines) == 1:
        return list(lines[0])
    moments = sorted({at for line in lines for at, _ in line})
    latest = [0] * len(lines)
    cursors = [0] * len(lines)
    summed = []
    for moment in moments:
        for i, line in enumerate(lines):
            while cursors[i] < len(line) and line[cursors[i]][0] <= moment:
                latest[i] = line[cursors[i]][1]
                cursors[i] += 1
        summed.append((moment, sum(latest)))
    return summed


# --- the API's history ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPage:
    points: list[StatsSnapshot]
    next_since: datetime | None  # pass as ``since`` for the next page; None on the last page


def publication_history_page(
    *, publication: Publication, since: datetime | None, limit: int = HISTORY_PAGE
) -> HistoryPage:
    """Snapshots oldest first, strictly after ``since``, at most ``limit`` of them."""
    limit = max(1, min(limit, HISTORY_PAGE_MAX))
    history = StatsSnapshot.objects.filter(publication=publication)
    if since is not None:
        history = history.filter(collected_at__gt=since)
    points = list(history.order_by("collected_at", "id")[: limit + 1])
    more = len(points) > limit
    points = points[:limit]
    return HistoryPage(points=points, next_since=points[-1].collected_at if more else None)


# --- metrics -------------------------------------------------------------------------------------


def stats_stale_count(*, now: datetime) -> int:
    """Published publications the sync should have confirmed within 6 hours and has not
    (gone videos and inactive connections excluded: nobody can fetch those)."""
    cutoff = now - STALE_AFTER
    return (
        StatsTrack.objects.filter(
            gone_at__isnull=True,
            connection__status=ConnectionStatus.ACTIVE,
            publication__status=PublicationStatus.PUBLISHED,
        )
        .filter(Q(checked_at__lt=cutoff) | Q(checked_at__isnull=True, published_at__lt=cutoff))
        .count()
    )
