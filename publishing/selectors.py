"""Reads shared by the clip pages, the API and the admin.

Every read is scoped to its owner here, so a view cannot forget it: another user's clip or
publication is simply not found (404, exactly like a missing one).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from clipmaker.accounts.models import User, plan_allows
from clipmaker.clips.models import Clip
from platforms.providers import platform_values
from publishing.models import IN_FLIGHT_STATUSES, Publication, PublicationStatus
from stats.models import StatsSnapshot

# How many of a publication's latest snapshots its chart draws: stats sync every few hours, so
# this is about two weeks, and a page of 50 publications never loads their whole history.
CHART_SNAPSHOTS = 60


def _publications_newest_first() -> QuerySet[Publication]:
    # The stats schedule and its connection come along: the pages and the API show whether a
    # video is gone or its connection needs reconnecting without a query per row.
    return Publication.objects.select_related("stats_track__connection").order_by(
        "-created_at", "-id"
    )


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


def publication_list(*, user: User) -> QuerySet[Publication]:
    """The user's publications (with their clips), newest first."""
    return _publications_newest_first().select_related("clip").filter(clip__owner=user)


def publication_get(*, user: User, publication_id: int) -> Publication | None:
    """The user's publication (with its clip), or None (missing or not theirs)."""
    return publication_list(user=user).filter(pk=publication_id).first()


def publication_pending_count(*, user: User, platform: str) -> int:
    """How many of the user's publications to a platform are still waiting (scheduled or
    queued): what disconnecting that platform would cancel (publication_cancel_for_disconnect)."""
    return Publication.objects.filter(
        clip__owner=user,
        platform=platform,
        status__in=(PublicationStatus.SCHEDULED, PublicationStatus.QUEUED),
    ).count()


# What a plan change can still stop: work not yet started, and failures a retry would restart.
PLAN_AFFECTED_STATUSES = (
    PublicationStatus.SCHEDULED,
    PublicationStatus.QUEUED,
    PublicationStatus.FAILED,
)


def publications_blocked_by_plan(*, user: User, plan: str) -> QuerySet[Publication]:
    """The user's scheduled, queued and failed publications to platforms ``plan`` does not
    allow: what the engine will cancel when they start (and refuse to retry) after a change to
    that plan. Oldest scheduled first."""
    return (
        Publication.objects.filter(clip__owner=user, status__in=PLAN_AFFECTED_STATUSES)
        .exclude(platform__in=[p for p in platform_values() if plan_allows(plan, p)])
        .select_related("clip")
        .order_by("scheduled_at", "created_at", "id")
    )
