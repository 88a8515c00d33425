"""Reads shared by the clip pages, the API and the admin.

Every read is scoped to its owner here, so a view cannot forget it: another user's clip or
publication is simply not found (404, exactly like a missing one).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from clipmaker.accounts.models import PLAN_DESTINATIONS, User, plan_allows
from clipmaker.clips.models import Clip
from platforms.providers import platform_values
from platforms.selectors import destination_list
from publishing.models import IN_FLIGHT_STATUSES, Publication, PublicationStatus
from stats.models import StatsSnapshot

# How many of a publication's latest snapshots its chart draws: stats sync every few hours, so
# this is about two weeks, and a page of 50 publications never loads their whole history.
CHART_SNAPSHOTS = 60


def _publications_newest_first() -> QuerySet[Publication]:
    # The destination and the stats schedule come along: the pages and the API name the place,
    # and show whether a video is gone or its connection needs reconnecting, without a query
    # per row.
    return Publication.objects.select_related(
        "destination", "destination__connection", "stats_track__connection"
    ).order_by("-created_at", "-id")


def clip_list(*, user: User) -> QuerySet[Clip]:
    """The user's clips, newest first, with their publications prefetched (newest first)."""
    return (
        Clip.objects.filter(owner=user)
        .order_by("-created_at", "-id")
        .prefetch_related(Prefetch("publications", queryset=_publications_newest_first()))
    )


def clip_get(*, user: User, clip_id: int) -> Clip | None:
    """The user's clip with its publications prefetched, or None (missing or not theirs)."""
    return clip_list(user=user).filter(pk=clip_id).first()


def clip_page_get(*, user: User, clip_id: int) -> Clip | None:
    """The user's clip for its page, or None (missing or not theirs).

    Its publications come newest first, each with ``recent_stats`` — its latest
    ``CHART_SNAPSHOTS`` snapshots, newest first — loaded for all of them in one query.
    """
    recent = Prefetch(
        "stats_history",
        queryset=StatsSnapshot.objects.order_by("-collected_at", "-id")[:CHART_SNAPSHOTS],
        to_attr="recent_stats",
    )
    publications = _publications_newest_first().prefetch_related(recent)
    return (
        Clip.objects.filter(owner=user, pk=clip_id)
        .prefetch_related(Prefetch("publications", queryset=publications))
        .first()
    )


def clip_publications(*, clip: Clip) -> QuerySet[Publication]:
    """A clip's publications, newest first."""
    return _publications_newest_first().filter(clip=clip)


def clip_has_in_flight(*, clip: Clip) -> bool:
    return Publication.objects.filter(clip=clip, status__in=IN_FLIGHT_STATUSES).exists()


def publications_in_flight(publications: list[Publication]) -> bool:
    """Whether any of these (already loaded) publications is still moving."""
    return any(p.is_in_flight for p in publications)


def latest_publication_by_platform(publications: list[Publication]) -> dict[str, Publication]:
    """The newest publication per platform from a newest-first list (no query)."""
    latest: dict[str, Publication] = {}
    for publication in publications:
        latest.setdefault(publication.platform, publication)
    return latest


def latest_publication_by_destination(publications: list[Publication]) -> list[Publication]:
    """The newest publication per destination from a newest-first list, in platform display
    order then oldest destination first (no query): the clip list's badges."""
    latest: dict[int, Publication] = {}
    for publication in publications:
        latest.setdefault(publication.destination_id, publication)
    order = {platform: index for index, platform in enumerate(platform_values())}
    return sorted(
        latest.values(), key=lambda p: (order.get(p.platform, len(order)), p.destination_id)
    )


def publication_list(*, user: User) -> QuerySet[Publication]:
    """The user's publications (with their clips), newest first."""
    return _publications_newest_first().select_related("clip").filter(clip__owner=user)


def publication_get(*, user: User, publication_id: int) -> Publication | None:
    """The user's publication (with its clip), or None (missing or not theirs)."""
    return publication_list(user=user).filter(pk=publication_id).first()


def publication_pending_count(
    *,
    user: User,
    platform: str | None = None,
    connection_id: Any = None,
    destination_id: int | None = None,
) -> int:
    """How many of the user's publications are still waiting (scheduled or queued) for a
    platform, one connection's destinations or one destination: what disconnecting, removing or
    disabling would cancel (``publication_cancel_for_destinations``)."""
    rows = Publication.objects.filter(
        clip__owner=user,
        status__in=(PublicationStatus.SCHEDULED, PublicationStatus.QUEUED),
    )
    if destination_id is not None:
        rows = rows.filter(destination_id=destination_id)
    elif connection_id is not None:
        rows = rows.filter(destination__connection_id=connection_id)
    elif platform is not None:
        rows = rows.filter(platform=platform)
    return rows.count()


# What a plan change can still stop: work not yet started, and failures a retry would restart.
PLAN_AFFECTED_STATUSES = (
    PublicationStatus.SCHEDULED,
    PublicationStatus.QUEUED,
    PublicationStatus.FAILED,
)


def publications_blocked_by_plan(*, user: User, plan: str) -> QuerySet[Publication]:
    """The user's scheduled, queued and failed publications that ``plan`` would not allow — to
    a platform it leaves out, or to a place beyond the number of places it allows (the oldest
    places count; support's own number for the user wins): what the engine will cancel when
    they start after a change to that plan. Oldest scheduled first."""
    allowed = [p for p in platform_values() if plan_allows(plan, p)]
    limit = (
        user.destination_limit
        if user.destination_limit is not None
        else PLAN_DESTINATIONS.get(plan, 0)
    )
    live = [
        d.pk
        for d in destination_list(user=user).order_by("created_at", "id")
        if d.platform in allowed
    ]
    return (
        Publication.objects.filter(clip__owner=user, status__in=PLAN_AFFECTED_STATUSES)
        .filter(~Q(platform__in=allowed) | Q(destination_id__in=live[limit:]))
        .select_related("clip", "destination", "destination__connection")
        .order_by("scheduled_at", "created_at", "id")
    )
