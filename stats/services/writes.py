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
from typing import Any, NamedTuple, TypeVar

from django.db import connection, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL

from platforms.providers import PlatformHandle, Stats
from publishing.models import Publication
from stats.models import StatsSnapshot, StatsTrack
from stats.services.schedule import (
    gone_confirm_delay,
    next_due_expression,
    next_due_parameters,
    retry_delay,
)

# Rows per statement: a bound on the parameters of one query (SQLite), on one array (PostgreSQL).
CHUNK = 500
PG_CHUNK = 10_000
# A run writes once this many rows' outcomes have gathered (and once at the end).
FLUSH_ROWS = 10_000

Figures = tuple[int | None, int | None, int | None, int | None]
T = TypeVar("T")


class DueRow(NamedTuple):
    """A publication the run asks about, with what the database holds for it now (a tuple:
    a run makes tens of thousands of them)."""

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


class StatsWriter:
    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.counts = WriteCounts()
        self._reset()

    def _reset(self) -> None:
        self._changed: list[tuple[int, int, int, int, int]] = []
        self._unchanged: list[int] = []
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
            new = (stats.views, stats.likes, stats.comments, stats.shares)
            if new != row.figures:
                self._changed.append((row.publication_id, *new))
                self.counts.changed += 1
            else:
                self._unchanged.append(row.publication_id)
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
        with transaction.atomic():
            if _postgres():
                # Figures the next run would fetch again anyway: a commit need not wait for the
                # disk (a crash loses at most the last moment's figures, never consistency).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            for chunk in _chunks(self._changed):
                _set_figures(chunk, now=now)
                _add_snapshots(chunk, now=now)
                _confirm_changed(chunk, now=now)
            _update(self._unchanged, checked_at=now, missing_at=None, failures=0, last_error="",
                    due_at=next_due_expression(now))  # fmt: skip
            _update(self._missing, missing_at=now, due_at=now + gone_confirm_delay())
            _update(self._gone, gone_at=now)
            for (failures, code), ids in self._failed.items():
                _update(ids, failures=F("failures") + 1, last_error=code,
                        due_at=now + retry_delay(failures))  # fmt: skip
            for seconds, ids in self._deferred.items():
                _update(ids, due_at=now + timedelta(seconds=seconds))
        self._reset()


# PostgreSQL gets every batch as a few array parameters (``unnest``): psycopg builds a statement
# with thousands of placeholders in Python, which cost more than the statement itself. Other
# databases (the embedded SQLite) get Django's portable forms in smaller chunks.


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    size = PG_CHUNK if _postgres() else CHUNK
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _update(ids: Sequence[int], **changes: Any) -> None:
    """One UPDATE of the schedule rows of ``ids`` per chunk."""
    for chunk in _chunks(ids):
        if _postgres():
            selected: Any = RawSQL("SELECT unnest(%s::bigint[])", (_array(chunk),))
        else:
            selected = list(chunk)
        StatsTrack.objects.filter(publication_id__in=selected).update(**changes)


def _array(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers: one short string for psycopg to send, where a
    list would be adapted element by element."""
    return "{" + ",".join(map(str, values)) + "}"


def _columns(rows: Sequence[tuple[int, int, int, int, int]]) -> list[str]:
    return [_array(column) for column in zip(*rows, strict=True)]


def _set_figures(rows: Sequence[tuple[int, int, int, int, int]], *, now: datetime) -> None:
    """New figures on the publication rows: one UPDATE … FROM unnest(…) on PostgreSQL (Django's
    ``bulk_update`` builds a CASE per column and per row, several times slower)."""
    if not _postgres():
        Publication.objects.bulk_update(
            [
                Publication(id=pub_id, views=views, likes=likes, comments=comments,
                            shares=shares, stats_updated_at=now)
                for pub_id, views, likes, comments, shares in rows
            ],
            ["views", "likes", "comments", "shares", "stats_updated_at"],
        )  # fmt: skip
        return
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(Publication._meta.db_table)} AS p SET views = v.views, likes = v.likes, "  # noqa: S608
        "comments = v.comments, shares = v.shares, stats_updated_at = %s "
        "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) "
        "AS v(id, views, likes, comments, shares) WHERE p.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *_columns(rows)])


def _confirm_changed(rows: Sequence[tuple[int, int, int, int, int]], *, now: datetime) -> None:
    """The schedule rows of changed videos: their new figures, confirmed now, next due time."""
    if not _postgres():
        StatsTrack.objects.bulk_update(
            [
                StatsTrack(publication_id=pub_id, views=views, likes=likes, comments=comments,
                           shares=shares)
                for pub_id, views, likes, comments, shares in rows
            ],
            ["views", "likes", "comments", "shares"],
        )  # fmt: skip
        _update([row[0] for row in rows], checked_at=now, missing_at=None, failures=0,
                last_error="", due_at=next_due_expression(now))  # fmt: skip
        return
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(StatsTrack._meta.db_table)} AS t SET views = v.views, likes = v.likes, "  # noqa: S608
        "comments = v.comments, shares = v.shares, checked_at = %s, missing_at = NULL, "
        "failures = 0, last_error = '', "
        "due_at = CASE WHEN t.published_at >= %s THEN %s ELSE %s END "
        "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) "
        "AS v(id, views, likes, comments, shares) WHERE t.publication_id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *next_due_parameters(now), *_columns(rows)])


def _add_snapshots(rows: Sequence[tuple[int, int, int, int, int]], *, now: datetime) -> None:
    if not _postgres():
        StatsSnapshot.objects.bulk_create(
            [
                StatsSnapshot(publication_id=pub_id, collected_at=now, views=views, likes=likes,
                              comments=comments, shares=shares)
                for pub_id, views, likes, comments, shares in rows
            ]
        )  # fmt: skip
        return
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(StatsSnapshot._meta.db_table)} "  # noqa: S608
        "(publication_id, collected_at, views, likes, comments, shares) "
        "SELECT v.id, %s, v.views, v.likes, v.comments, v.shares "
        "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) "
        "AS v(id, views, likes, comments, shares)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *_columns(rows)])
