"""What a sync run writes, gathered and written in a few set-based statements.

Only figures that changed touch a publication row and add a snapshot; a video whose figures are
the same gets nothing but its next due time, written for the whole batch in one UPDATE of the
narrow schedule table. A video left out of an answer is asked once more before it counts as
gone; a failed request backs off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import F

from platforms.providers import PlatformHandle, Stats
from publishing.models import Publication
from stats.models import StatsSnapshot, StatsTrack
from stats.services.schedule import gone_confirm_delay, next_due_expression, retry_delay

# Rows per statement (a bound on the parameters of one query).
CHUNK = 1000
# A run writes once this many rows' outcomes have gathered (and once at the end).
FLUSH_ROWS = 2000

Figures = tuple[int | None, int | None, int | None, int | None]
T = TypeVar("T")


@dataclass(frozen=True)
class DueRow:
    """A publication the run asks about, with what the database holds for it now."""

    publication_id: int
    connection_id: Any
    platform: str
    handle: PlatformHandle
    figures: Figures
    missing_at: datetime | None
    failures: int


@dataclass
class WriteCounts:
    changed: int = 0
    unchanged: int = 0
    missing: int = 0
    gone: int = 0
    failed: int = 0
    deferred: int = 0


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class StatsWriter:
    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.counts = WriteCounts()
        self._reset()

    def _reset(self) -> None:
        self._changed: list[tuple[int, int, int, int, int]] = []
        self._confirmed: list[int] = []
        self._missing: list[int] = []
        self._gone: list[int] = []
        self._failed: dict[tuple[int, str], list[int]] = defaultdict(list)
        self._deferred: dict[int, list[int]] = defaultdict(list)
        self._pending = 0

    @property
    def pending(self) -> int:
        return self._pending

    # --- gathering ---------------------------------------------------------------------------

    def answered(self, rows: Iterable[DueRow], figures: dict[str, Stats]) -> None:
        """The platform answered for ``rows``: found videos are confirmed (and written when a
        figure changed); videos left out are missing, or gone when they were missing before."""
        for row in rows:
            self._pending += 1
            stats = figures.get(row.handle.id)
            if stats is None:
                if row.missing_at is None:
                    self._missing.append(row.publication_id)
                    self.counts.missing += 1
                else:
                    self._gone.append(row.publication_id)
                    self.counts.gone += 1
                continue
            self._confirmed.append(row.publication_id)
            new = (stats.views, stats.likes, stats.comments, stats.shares)
            if new != row.figures:
                self._changed.append((row.publication_id, *new))
                self.counts.changed += 1
            else:
                self.counts.unchanged += 1

    def failed(self, rows: Iterable[DueRow], *, code: str) -> None:
        """The request for ``rows`` failed: ask again after a back-off that grows per failure."""
        for row in rows:
            self._pending += 1
            self._failed[(row.failures, code[:200])].append(row.publication_id)
            self.counts.failed += 1

    def deferred(self, rows: Iterable[DueRow], *, seconds: float) -> None:
        """The platform asked us to wait (rate limit): due again after ``seconds``, no failure."""
        for row in rows:
            self._pending += 1
            self._deferred[max(1, round(seconds))].append(row.publication_id)
            self.counts.deferred += 1

    # --- writing -----------------------------------------------------------------------------

    def flush(self) -> None:
        if not self._pending:
            return
        now = self.now
        tracks = StatsTrack.objects
        with transaction.atomic():
            for chunk in _chunks(self._changed):
                _set_figures(chunk, now=now)
            StatsSnapshot.objects.bulk_create(
                (
                    StatsSnapshot(
                        publication_id=pub_id,
                        collected_at=now,
                        views=views,
                        likes=likes,
                        comments=comments,
                        shares=shares,
                    )
                    for pub_id, views, likes, comments, shares in self._changed
                ),
                batch_size=CHUNK,
            )
            for ids in _chunks(self._confirmed):
                tracks.filter(publication_id__in=ids).update(
                    checked_at=now,
                    missing_at=None,
                    failures=0,
                    last_error="",
                    due_at=next_due_expression(now),
                )
            for ids in _chunks(self._missing):
                tracks.filter(publication_id__in=ids).update(
                    missing_at=now, due_at=now + gone_confirm_delay()
                )
            for ids in _chunks(self._gone):
                tracks.filter(publication_id__in=ids).update(gone_at=now)
            for (failures, code), pub_ids in self._failed.items():
                for ids in _chunks(pub_ids):
                    tracks.filter(publication_id__in=ids).update(
                        failures=F("failures") + 1,
                        last_error=code,
                        due_at=now + retry_delay(failures),
                    )
            for seconds, pub_ids in self._deferred.items():
                for ids in _chunks(pub_ids):
                    tracks.filter(publication_id__in=ids).update(
                        due_at=now + timedelta(seconds=seconds)
                    )
        self._reset()


def _set_figures(rows: Sequence[tuple[int, int, int, int, int]], *, now: datetime) -> None:
    """Write new figures to publication rows: one UPDATE … FROM (VALUES …) on PostgreSQL
    (Django's ``bulk_update`` builds a CASE per column and per row, several times slower)."""
    if connection.vendor != "postgresql":
        Publication.objects.bulk_update(
            [
                Publication(
                    id=pub_id,
                    views=views,
                    likes=likes,
                    comments=comments,
                    shares=shares,
                    stats_updated_at=now,
                )
                for pub_id, views, likes, comments, shares in rows
            ],
            ["views", "likes", "comments", "shares", "stats_updated_at"],
        )
        return
    qn = connection.ops.quote_name
    table = qn(Publication._meta.db_table)
    columns = ("views", "likes", "comments", "shares")
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    assignments = ", ".join(f"{qn(c)} = v.{c}::bigint" for c in columns)
    sql = (
        f"UPDATE {table} AS p SET {assignments}, {qn('stats_updated_at')} = %s "  # noqa: S608
        f"FROM (VALUES {values}) AS v(id, {', '.join(columns)}) "
        f"WHERE p.{qn('id')} = v.id::bigint"
    )
    params: list[Any] = [now]
    for row in rows:
        params.extend(row)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
