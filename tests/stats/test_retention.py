"""History retention: every point for 48 hours, the last of each hour for 30 days, the last of
each day after, and each run only looks at what aged since the last one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stats.models import StatsRetentionMark, StatsSnapshot
from stats.services import stats_history_thin
from tests.factories import StatsSnapshotFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 6, 15, 12, 30, tzinfo=UTC)


def kept(publication) -> list[datetime]:
    return list(
        StatsSnapshot.objects.filter(publication=publication)
        .order_by("collected_at")
        .values_list("collected_at", flat=True)
    )


def snapshots(publication, moments: list[datetime]) -> None:
    for n, at in enumerate(moments):
        StatsSnapshotFactory(publication=publication, collected_at=at, views=n)


def test_every_point_of_the_last_48_hours_is_kept():
    pub = StatsSnapshotFactory(collected_at=NOW - timedelta(minutes=1)).publication
    recent = [NOW - timedelta(hours=47, minutes=m) for m in (0, 2, 4, 6)]
    snapshots(pub, recent)

    result = stats_history_thin(now=NOW)

    assert result.deleted == 0
    assert len(kept(pub)) == 5


def test_between_48_hours_and_30_days_the_last_point_of_each_hour_is_kept():
    pub = StatsSnapshotFactory(collected_at=NOW).publication
    hour = datetime(2030, 6, 10, 8, 0, tzinfo=UTC)
    snapshots(pub, [hour + timedelta(minutes=m) for m in (5, 20, 50)])
    snapshots(pub, [hour + timedelta(hours=1, minutes=m) for m in (1, 59)])

    result = stats_history_thin(now=NOW)

    assert result.deleted == 3
    assert kept(pub) == [
        hour + timedelta(minutes=50),
        hour + timedelta(hours=1, minutes=59),
        NOW,
    ]
    # The figure kept is the one at the end of each hour.
    assert StatsSnapshot.objects.get(collected_at=hour + timedelta(minutes=50)).views == 2


def test_after_30_days_the_last_point_of_each_day_is_kept():
    pub = StatsSnapshotFactory(collected_at=NOW).publication
    day = datetime(2030, 4, 1, tzinfo=UTC)
    snapshots(pub, [day + timedelta(hours=h) for h in (0, 6, 12, 18)])
    snapshots(pub, [day + timedelta(days=1, hours=h) for h in (3, 9)])

    stats_history_thin(now=NOW)

    assert kept(pub) == [day + timedelta(hours=18), day + timedelta(days=1, hours=9), NOW]


def test_each_publication_keeps_its_own_points():
    a = StatsSnapshotFactory(collected_at=NOW).publication
    b = StatsSnapshotFactory(collected_at=NOW).publication
    hour = datetime(2030, 6, 1, 10, tzinfo=UTC)
    snapshots(a, [hour + timedelta(minutes=10), hour + timedelta(minutes=40)])
    snapshots(b, [hour + timedelta(minutes=15)])

    stats_history_thin(now=NOW)

    assert kept(a) == [hour + timedelta(minutes=40), NOW]
    assert kept(b) == [hour + timedelta(minutes=15), NOW]


def test_a_run_resumes_where_the_last_one_stopped():
    pub = StatsSnapshotFactory(collected_at=NOW).publication
    stats_history_thin(now=NOW)
    hourly = StatsRetentionMark.objects.get(tier="hourly").done_until
    assert hourly == datetime(2030, 6, 13, 12, tzinfo=UTC)  # 48 hours back, to the hour
    assert StatsRetentionMark.objects.get(tier="daily").done_until <= NOW - timedelta(days=30)
    # A point that aged past 48 hours since then is thinned by the next run.
    hour = datetime(2030, 6, 13, 13, tzinfo=UTC)
    snapshots(pub, [hour + timedelta(minutes=1), hour + timedelta(minutes=30)])

    result = stats_history_thin(now=NOW + timedelta(hours=2))

    assert result.deleted == 1
    assert hour + timedelta(minutes=30) in kept(pub)


def test_a_run_out_of_time_says_so():
    pub = StatsSnapshotFactory(collected_at=NOW - timedelta(days=90)).publication
    snapshots(pub, [NOW - timedelta(days=60)])

    result = stats_history_thin(now=NOW, run_seconds=0)

    assert result.more
