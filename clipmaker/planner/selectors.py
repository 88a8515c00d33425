"""The calendar's reads: the user's publications that fall within a period, each at the moment
the calendar shows it (``calendar_at``)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, DateTimeField, F, QuerySet, When
from django.db.models.functions import Coalesce

from clipmaker.accounts.models import User
from publishing.models import Publication, PublicationStatus
from publishing.selectors import publication_list

# What the calendar shows: planned, moving, done and failed (a cancelled one is not planned).
CALENDAR_STATUSES = (
    PublicationStatus.SCHEDULED,
    PublicationStatus.QUEUED,
    PublicationStatus.PUBLISHING,
    PublicationStatus.PUBLISHED,
    PublicationStatus.FAILED,
)


def _calendar_at() -> Case:
    """When a publication sits on the calendar: its planned time while scheduled, its next try
    while waiting, the start of its upload while publishing, and when it ended after."""
    return Case(
        When(status=PublicationStatus.SCHEDULED, then=F("scheduled_at")),
        When(
            status=PublicationStatus.QUEUED,
            then=Coalesce("next_attempt_at", "queued_at", "created_at"),
        ),
        When(
            status=PublicationStatus.PUBLISHING,
            then=Coalesce("started_at", "queued_at", "created_at"),
        ),
        When(
            status=PublicationStatus.PUBLISHED,
            then=Coalesce("published_at", "finished_at", "created_at"),
        ),
        default=Coalesce("finished_at", "scheduled_at", "queued_at", "created_at"),
        output_field=DateTimeField(),
    )


def calendar_publications(*, user: User, start: datetime, end: datetime) -> QuerySet[Publication]:
    """The user's publications on the calendar between ``start`` (included) and ``end``
    (excluded), earliest first, with their clips and places loaded."""
    return (
        publication_list(user=user)
        .filter(status__in=CALENDAR_STATUSES)
        .annotate(calendar_at=_calendar_at())
        .filter(calendar_at__gte=start, calendar_at__lt=end)
        .order_by("calendar_at", "id")
    )
