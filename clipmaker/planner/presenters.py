"""How the calendar reads: periods (week, month, «Очередь»), days with their entries, Russian
dates. Status text comes from the one presenter the clip pages use
(``publishing.presenters.publication_status_text``); colours and names from the providers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from django.urls import reverse
from django.utils import timezone

from platforms.providers import platform_label, provider_class
from publishing.models import Publication, PublicationStatus
from publishing.presenters import publication_status_text

VIEWS = ("week", "month", "list")
# How many days «Очередь» shows from its first day.
LIST_DAYS = 14

MONTHS = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
WEEKDAYS_FULL = (
    "понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье",
)  # fmt: skip


def day_label(day: date) -> str:
    """«3 декабря»."""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"


@dataclass(frozen=True)
class Period:
    view: str
    anchor: date
    first: date  # the first day shown
    days: int  # how many days are shown
    title: str
    previous: date
    next: date

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.days - 1)

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """The period as aware datetimes: local midnight of the first day to the one after
        the last."""
        start = datetime.combine(self.first, time.min).replace(tzinfo=tz)
        end = datetime.combine(self.first + timedelta(days=self.days), time.min).replace(tzinfo=tz)
        return start, end


def period_for(view: str, anchor: date) -> Period:
    if view == "month":
        first_of_month = anchor.replace(day=1)
        next_month = (first_of_month + timedelta(days=32)).replace(day=1)
        grid_first = first_of_month - timedelta(days=first_of_month.weekday())
        last_of_month = next_month - timedelta(days=1)
        grid_last = last_of_month + timedelta(days=6 - last_of_month.weekday())
        previous = (first_of_month - timedelta(days=1)).replace(day=1)
        title = f"{MONTHS[anchor.month - 1].capitalize()} {anchor.year}"
        return Period(
            view=view,
            anchor=first_of_month,
            first=grid_first,
            days=(grid_last - grid_first).days + 1,
            title=title,
            previous=previous,
            next=next_month,
        )
    if view == "list":
        last = anchor + timedelta(days=LIST_DAYS - 1)
        return Period(
            view=view,
            anchor=anchor,
            first=anchor,
            days=LIST_DAYS,
            title=f"{day_label(anchor)} — {day_label(last)} {last.year}",
            previous=anchor - timedelta(days=LIST_DAYS),
            next=anchor + timedelta(days=LIST_DAYS),
        )
    monday = anchor - timedelta(days=anchor.weekday())
    sunday = monday + timedelta(days=6)
    return Period(
        view="week",
        anchor=monday,
        first=monday,
        days=7,
        title=f"{day_label(monday)} — {day_label(sunday)} {sunday.year}",
        previous=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
    )


@dataclass(frozen=True)
class Entry:
    """One publication on the calendar."""

    publication: Publication
    at: datetime  # local time
    platform_label: str
    colour: str
    place: str
    clip_title: str
    clip_url: str
    status_text: str
    can_move: bool

    @property
    def id(self) -> int:
        return self.publication.pk

    @property
    def status(self) -> str:
        return self.publication.status

    @property
    def platform(self) -> str:
        return self.publication.platform


@dataclass
class Day:
    day: date
    is_today: bool
    in_period: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.day.weekday()]

    @property
    def weekday_full(self) -> str:
        return WEEKDAYS_FULL[self.day.weekday()]

    @property
    def label(self) -> str:
        return day_label(self.day)

    @property
    def iso(self) -> str:
        return self.day.isoformat()


def entry_for(publication: Publication, *, now: datetime) -> Entry:
    at: datetime = publication.calendar_at  # type: ignore[attr-defined]  # annotated
    destination = publication.destination
    return Entry(
        publication=publication,
        at=timezone.localtime(at),
        platform_label=platform_label(publication.platform),
        colour=provider_class(publication.platform).colour,
        place=destination.display_name,
        clip_title=publication.clip.title,
        clip_url=reverse("clip-detail", args=[publication.clip_id]),
        status_text=publication_status_text(publication, now=now),
        can_move=publication.status == PublicationStatus.SCHEDULED,
    )


def days_of(period: Period, publications: Iterable[Publication], *, now: datetime) -> list[Day]:
    """Every day of the period (in the active time zone) with its entries, earliest first."""
    today = timezone.localdate(now)
    days = []
    for offset in range(period.days):
        day = period.first + timedelta(days=offset)
        in_period = period.view != "month" or day.month == period.anchor.month
        days.append(Day(day=day, is_today=day == today, in_period=in_period))
    by_date = {d.day: d for d in days}
    for publication in publications:
        entry = entry_for(publication, now=now)
        bucket = by_date.get(entry.at.date())
        if bucket is not None:
            bucket.entries.append(entry)
    return days


def weeks_of(days: list[Day]) -> list[list[Day]]:
    return [days[i : i + 7] for i in range(0, len(days), 7)]


def legend() -> list[dict[str, str]]:
    """Each platform's name and colour, for the legend above the calendar."""
    from platforms.providers import provider_classes

    return [
        {"label": p.label, "colour": p.colour, "platform": str(p.platform)}
        for p in provider_classes()
    ]
