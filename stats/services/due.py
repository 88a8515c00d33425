"""Which publications a sync run asks about: due, not gone, of an active connection.

Rows of a connection that is expired, revoked or gone are not selected at all, so however many
there are they never take the place of live rows. Accounts come most overdue first; a run loads
an account's rows only up to what its rate limit lets it ask within the run.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, F, Min, Q, QuerySet, Window
from django.db.models.functions import Cast, RowNumber

from platforms.models import ConnectionStatus
from platforms.providers import PlatformHandle, provider_class
from publishing import ratelimit
from stats.models import StatsTrack
from stats.services.writes import DueRow

# Calls per account per second assumed when the shared limits are lifted (benchmarks).
UNLIMITED_CALLS_PER_SECOND = 20.0


@dataclass(frozen=True)
class DueAccount:
    connection_id: Any
    platform: str
    oldest_due: datetime
    rows: int  # due now


def due_tracks(*, now: datetime, platforms: Sequence[str]) -> QuerySet[StatsTrack]:
    # No join with the publications: a run reads the schedule table alone (a publication
    # gets its schedule once published, and "published" is a final status).
    return StatsTrack.objects.filter(
        Q(due_at__lte=now),
        gone_at__isnull=True,
        platform__in=list(platforms),
        connection__status=ConnectionStatus.ACTIVE,
    )


def due_accounts(*, now: datetime, platforms: Sequence[str]) -> list[DueAccount]:
    """Accounts with due rows, the most overdue first."""
    rows = (
        due_tracks(now=now, platforms=platforms)
        .values_list("connection_id", "platform")
        .annotate(oldest=Min("due_at"), rows=Count("publication_id"))
        .order_by("oldest", "connection_id")
    )
    return [DueAccount(*row) for row in rows]


def rows_per_run(platform: str, *, run_seconds: float) -> int:
    """How many of one account's rows a run can ask about within its rate limit."""
    batch = provider_class(platform).stats_batch_size
    rate = provider_class(platform).account_rate if ratelimit.limits_enabled() else None
    if rate is None:
        calls = UNLIMITED_CALLS_PER_SECOND * run_seconds
    else:
        calls = rate.per_second * run_seconds + rate.burst
    return batch * max(1, math.ceil(calls))


def due_rows(
    *, now: datetime, accounts: Sequence[DueAccount], run_seconds: float
) -> dict[Any, list[DueRow]]:
    """The due rows of ``accounts``, at most ``rows_per_run`` per account: all of them when
    they fit (one plain query per platform), else the most overdue (a windowed query)."""
    whole: dict[str, list[Any]] = defaultdict(list)
    capped: dict[str, list[Any]] = defaultdict(list)
    for account in accounts:
        fits = account.rows <= rows_per_run(account.platform, run_seconds=run_seconds)
        (whole if fits else capped)[account.platform].append(account.connection_id)
    # The id as the database writes it as text: dashed on PostgreSQL, bare hex on SQLite.
    by_text = {
        text: account.connection_id
        for account in accounts
        for text in (str(account.connection_id), account.connection_id.hex)
    }
    found: dict[Any, list[DueRow]] = defaultdict(list)
    for platform, connection_ids in whole.items():
        rows = due_tracks(now=now, platforms=[platform]).filter(connection_id__in=connection_ids)
        _collect(found, rows, platform, by_text)
    for platform, connection_ids in capped.items():
        rank = Window(
            RowNumber(),
            partition_by=[F("connection_id")],
            order_by=[F("due_at").asc(), F("publication_id").asc()],
        )
        rows = (
            due_tracks(now=now, platforms=[platform])
            .filter(connection_id__in=connection_ids)
            .annotate(rank=rank)
            .filter(rank__lte=rows_per_run(platform, run_seconds=run_seconds))
            .order_by("connection_id", "rank")
        )
        _collect(found, rows, platform, by_text)
    return found


def _collect(
    found: dict[Any, list[DueRow]],
    tracks: QuerySet[StatsTrack],
    platform: str,
    by_text: dict[str, Any],
) -> None:
    query = tracks.values_list(
        "publication_id",
        # As text: a UUID object per row costs more than the rest of the row.
        Cast("connection_id", output_field=CharField()),
        "missing_at",
        "failures",
        "handle_id",
        "views",
        "likes",
        "comments",
        "shares",
    )
    # Straight from the cursor: Django's per-row converters are not needed here (missing_at is
    # only tested for None) and cost more than the rows themselves at tens of thousands.
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for pub_id, conn_text, missing_at, failures, handle_id, *figures in rows:
        conn_id = by_text[conn_text]
        found[conn_id].append(
            DueRow(
                publication_id=pub_id,
                connection_id=conn_id,
                platform=platform,
                handle=PlatformHandle(id=handle_id),
                figures=(figures[0], figures[1], figures[2], figures[3]),
                missing_at=missing_at,
                failures=failures,
            )
        )
