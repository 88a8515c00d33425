"""stats_sync: batched reads, change-only writes, the cadence, gone videos, dead and failing
connections, and Telegram never asked."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from platforms.models import ConnectionStatus
from publishing.models import PublicationStatus
from stats.models import StatsSnapshot, StatsTrack
from stats.services import stats_sync
from tests.factories import ClipFactory, PlatformConnectionFactory, PublicationFactory
from tests.stats.conftest import DZEN, published, reload, vk_connection, vk_published

pytestmark = pytest.mark.django_db


def figures(pub):
    return (pub.views, pub.likes, pub.comments, pub.shares)


def handle(pub) -> str:
    return pub.platform_handle["id"]


def test_one_call_per_batch_writes_the_figures_and_a_snapshot(fake_vk):
    conn = vk_connection()
    pubs = vk_published(conn, 3)
    for i, pub in enumerate(pubs):
        fake_vk.figures[handle(pub)] = (100 + i, 10, 3, 2)

    result = stats_sync()

    assert [sorted(ids) for ids in fake_vk.asked()] == [sorted(handle(p) for p in pubs)]
    assert (result.changed, result.publications, result.http_calls) == (3, 3, 1)
    first = reload(pubs[0])
    assert figures(first) == (100, 10, 3, 2)
    assert first.stats_updated_at is not None
    assert first.stats_track.checked_at == first.stats_updated_at
    assert StatsSnapshot.objects.filter(publication=first).count() == 1
    assert fake_vk.tokens == ["vk-access"]


def test_vk_is_asked_about_at_most_200_videos_per_call(fake_vk):
    conn = vk_connection()
    pubs = vk_published(conn, 201)
    for pub in pubs:
        fake_vk.figures[handle(pub)] = (1, 0, 0, 0)

    stats_sync()

    assert sorted(len(ids) for ids in fake_vk.asked()) == [1, 200]


def test_unchanged_figures_write_no_snapshot_and_leave_the_publication_row_alone(fake_vk):
    conn = vk_connection()
    pubs = vk_published(conn, 2)
    for pub in pubs:
        fake_vk.figures[handle(pub)] = (50, 5, 1, 0)
    stats_sync()
    later = timezone.now() + timedelta(hours=2)

    with CaptureQueriesContext(db) as queries:
        result = stats_sync(now=later)

    assert (result.changed, result.unchanged) == (0, 2)
    assert StatsSnapshot.objects.count() == 2
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert writes and not [sql for sql in writes if "publishing_publication" in sql]
    assert not [q for q in queries.captured_queries if "INSERT" in q["sql"]]
    track = reload(pubs[0]).stats_track
    assert track.checked_at == later
    assert track.due_at == later + timedelta(hours=1)


def test_a_changed_figure_rewrites_that_publication_only_with_one_more_snapshot(fake_vk):
    conn = vk_connection()
    changed, same = vk_published(conn, 2)
    fake_vk.figures = {handle(changed): (10, 1, 0, 0), handle(same): (20, 2, 0, 0)}
    stats_sync()
    fake_vk.figures[handle(changed)] = (15, 1, 1, 0)

    result = stats_sync(now=timezone.now() + timedelta(hours=2))

    assert (result.changed, result.unchanged) == (1, 1)
    assert figures(reload(changed)) == (15, 1, 1, 0)
    assert list(
        StatsSnapshot.objects.filter(publication=changed)
        .order_by("collected_at")
        .values_list("views", "comments")
    ) == [(10, 0), (15, 1)]
    assert StatsSnapshot.objects.filter(publication=same).count() == 1


def test_cadence_is_hourly_for_48_hours_then_every_6_hours(fake_vk):
    conn = vk_connection()
    now = timezone.now()
    fresh = published(conn, f"{conn.account_id}_1", published_at=now - timedelta(hours=1))
    old = published(conn, f"{conn.account_id}_2", published_at=now - timedelta(days=3))
    fake_vk.figures = {handle(fresh): (1, 0, 0, 0), handle(old): (2, 0, 0, 0)}

    stats_sync(now=now)

    assert reload(fresh).stats_track.due_at == now + timedelta(hours=1)
    assert reload(old).stats_track.due_at == now + timedelta(hours=6)
    assert stats_sync(now=now + timedelta(minutes=59)).publications == 0
    assert stats_sync(now=now + timedelta(hours=1)).publications == 1
    assert fake_vk.asked()[-1] == [handle(fresh)]
    stats_sync(now=now + timedelta(hours=6))
    assert sorted(fake_vk.asked()[-1]) == sorted([handle(fresh), handle(old)])


def test_most_overdue_accounts_come_first(fake_vk, settings):
    settings.STATS_SYNC_THREADS = 1
    recent, overdue = vk_connection(), vk_connection()
    now = timezone.now()
    a = published(recent, f"{recent.account_id}_1", stats_updated_at=now - timedelta(hours=2))
    b = published(overdue, f"{overdue.account_id}_1", stats_updated_at=now - timedelta(hours=9))
    fake_vk.figures = {handle(a): (1, 0, 0, 0), handle(b): (1, 0, 0, 0)}

    stats_sync(now=now)

    assert fake_vk.asked() == [[handle(b)], [handle(a)]]


def test_dead_connections_do_not_starve_live_ones(fake_vk, settings):
    settings.STATS_SYNC_THREADS = 1
    long_ago = timezone.now() - timedelta(days=5)
    dead = []
    for status in (ConnectionStatus.REVOKED, ConnectionStatus.EXPIRED):
        dead += vk_published(vk_connection(status=status), 20, stats_updated_at=long_ago)
    live = vk_connection()
    mine = vk_published(live, 2)
    for pub in mine:
        fake_vk.figures[handle(pub)] = (7, 0, 0, 0)

    result = stats_sync()

    assert [sorted(ids) for ids in fake_vk.asked()] == [sorted(handle(p) for p in mine)]
    assert (result.accounts, result.publications, result.more) == (1, 2, False)
    assert all(figures(reload(p)) == (7, 0, 0, 0) for p in mine)
    untouched = StatsTrack.objects.filter(publication__in=dead)
    assert untouched.count() == 40
    assert not untouched.filter(checked_at__gt=long_ago).exists()


def test_a_video_left_out_once_is_asked_again_then_marked_gone_and_never_asked_again(fake_vk):
    conn = vk_connection()
    kept, deleted = vk_published(conn, 2)
    fake_vk.figures = {handle(kept): (5, 0, 0, 0), handle(deleted): (9, 1, 0, 0)}
    now = timezone.now()
    stats_sync(now=now)
    del fake_vk.figures[handle(deleted)]

    first_miss = stats_sync(now=now + timedelta(hours=1))

    track = reload(deleted).stats_track
    assert (first_miss.missing, track.gone_at) == (1, None)
    assert track.due_at == now + timedelta(hours=1, minutes=10)
    assert figures(reload(deleted)) == (9, 1, 0, 0)  # the last figures stay

    second_miss = stats_sync(now=now + timedelta(hours=1, minutes=10))

    assert second_miss.gone == 1
    assert reload(deleted).stats_track.gone_at == now + timedelta(hours=1, minutes=10)
    stats_sync(now=now + timedelta(days=3))
    assert handle(deleted) not in fake_vk.asked()[-1]
    assert handle(kept) in fake_vk.asked()[-1]


def test_a_video_back_after_one_miss_is_not_gone(fake_vk):
    conn = vk_connection()
    [pub] = vk_published(conn, 1)
    now = timezone.now()
    stats_sync(now=now)  # left out: figures empty
    fake_vk.figures[handle(pub)] = (3, 0, 0, 0)

    stats_sync(now=now + timedelta(minutes=10))

    track = reload(pub).stats_track
    assert (track.missing_at, track.gone_at) == (None, None)
    assert figures(reload(pub)) == (3, 0, 0, 0)


def test_a_failing_connection_backs_off_and_the_others_go_on(platform_api, fake_vk):
    dzen = PlatformConnectionFactory(platform="dzen")
    dzen_pubs = [published(dzen, f"dz{i}") for i in range(3)]
    platform_api.add(responses.GET, f"{DZEN}/v1/videos/stats", status=503, json={})
    vk = vk_connection()
    [vk_pub] = vk_published(vk, 1)
    fake_vk.figures[handle(vk_pub)] = (4, 0, 0, 0)
    now = timezone.now()

    result = stats_sync(now=now)

    assert (result.failed, result.changed) == (3, 1)
    track = reload(dzen_pubs[0]).stats_track
    assert (track.failures, track.checked_at) == (1, None)
    assert track.due_at == now + timedelta(minutes=15)
    assert track.last_error.startswith("TransientError")
    dzen_calls = len([c for c in platform_api.calls if "/videos/stats" in c.request.url])
    assert dzen_calls == 2  # asked once more within the run before backing off
    assert stats_sync(now=now + timedelta(minutes=14)).publications == 0
    stats_sync(now=now + timedelta(minutes=15))
    assert len([c for c in platform_api.calls if "/videos/stats" in c.request.url]) == 4
    assert reload(dzen_pubs[0]).stats_track.due_at == now + timedelta(minutes=45)  # doubled


def test_a_single_transient_error_is_asked_again_within_the_run(platform_api):
    dzen = PlatformConnectionFactory(platform="dzen")
    pub = published(dzen, "dz1")
    platform_api.add(responses.GET, f"{DZEN}/v1/videos/stats", status=502, json={})
    platform_api.add(
        responses.GET,
        f"{DZEN}/v1/videos/stats",
        json={"items": [{"id": "dz1", "views": 6, "likes": 1, "comments": 0, "shares": 0}]},
    )

    result = stats_sync()

    assert (result.changed, result.failed, result.http_calls) == (1, 0, 2)
    assert figures(reload(pub)) == (6, 1, 0, 0)


def test_a_platform_rate_limit_defers_the_rows_without_counting_a_failure(platform_api):
    dzen = PlatformConnectionFactory(platform="dzen")
    [pub] = [published(dzen, "dz1")]
    platform_api.add(
        responses.GET,
        f"{DZEN}/v1/videos/stats",
        status=429,
        headers={"Retry-After": "600"},
        json={"error": {"code": "too_many_requests", "message": "slow down"}},
    )
    now = timezone.now()

    result = stats_sync(now=now)

    track = reload(pub).stats_track
    assert (result.deferred, track.failures) == (1, 0)
    assert track.due_at == now + timedelta(seconds=600)


def test_telegram_is_never_asked(platform_api):
    tg = PlatformConnectionFactory(platform="telegram")
    PublicationFactory(
        clip=ClipFactory(owner=tg.user),
        platform="telegram",
        status=PublicationStatus.PUBLISHED,
        published_at=timezone.now(),
        platform_handle={"id": "-1001_5", "data": {}},
    )

    result = stats_sync()

    assert result.publications == 0
    assert not StatsTrack.objects.exists()
    assert len(platform_api.calls) == 0  # the strict mock would have failed on any request


def test_publications_not_published_are_not_asked(fake_vk):
    conn = vk_connection()
    for status in (PublicationStatus.FAILED, PublicationStatus.QUEUED):
        PublicationFactory(
            clip=ClipFactory(owner=conn.user),
            status=status,
            platform_handle={"id": f"{conn.account_id}_9", "data": {}},
        )

    assert stats_sync().publications == 0
    assert fake_vk.asked() == []
