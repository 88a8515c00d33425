"""Sync runs: the shared rate limiter, one run at a time, a time limit with an immediate next
run, and enrolment of what was published."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from platforms.providers import provider_class
from platforms.providers.types import Rate
from publishing import ratelimit
from stats import tasks
from stats.models import StatsTrack
from stats.services import stats_sync
from stats.services.lock import sync_lock
from tests.factories import PlatformConnectionFactory
from tests.stats.conftest import RUTUBE, published, reload, vk_connection, vk_published

pytestmark = pytest.mark.django_db


def handle(pub) -> str:
    return pub.platform_handle["id"]


def rutube_video(mock: responses.RequestsMock, video_id: str, hits: int) -> None:
    mock.add(
        responses.GET,
        f"{RUTUBE}/video/{video_id}/",
        body=json.dumps({"id": video_id, "hits": hits, "likes_count": 1, "comments_count": 0}),
        content_type="application/json",
    )


@pytest.fixture
def spied_bucket(monkeypatch, settings):
    """The real shared bucket, with every answer it gave recorded."""
    settings.PLATFORM_RATE_LIMITS_ENABLED = True
    answers: list[tuple[str, str, float]] = []
    real = ratelimit.acquire

    def acquire(*, platform: str, account: str) -> float:
        wait = real(platform=platform, account=account)
        answers.append((platform, account, wait))
        return wait

    monkeypatch.setattr(ratelimit, "acquire", acquire)
    return answers


def test_every_call_first_takes_a_token_from_the_bucket_publishing_uses(platform_api, spied_bucket):
    conn = PlatformConnectionFactory(platform="rutube", tokens=("rt-token", None))
    ratelimit.reset(platform="rutube", account=str(conn.pk))
    ids = ["a" * 32, "b" * 32]
    for n, video_id in enumerate(ids):
        published(conn, video_id)
        rutube_video(platform_api, video_id, hits=10 + n)

    result = stats_sync()

    granted = [(p, a) for p, a, wait in spied_bucket if wait == 0]
    assert (
        granted
        == [("rutube", str(conn.pk))] * 2
        == [("rutube", str(conn.pk))] * len(platform_api.calls)
    )
    # Rutube allows one call a second per account: the second call had to wait for it.
    assert any(wait > 0 for _, _, wait in spied_bucket)
    assert result.changed == 2
    # The bucket is shared: publishing to this account now has to wait too.
    assert ratelimit.acquire(platform="rutube", account=str(conn.pk)) > 0


def test_an_empty_bucket_means_no_call_and_the_rows_stay_due(
    platform_api, spied_bucket, monkeypatch
):
    monkeypatch.setattr(provider_class("rutube"), "account_rate", Rate(per_second=0.01, burst=1.0))
    conn = PlatformConnectionFactory(platform="rutube", tokens=("rt-token", None))
    ratelimit.reset(platform="rutube", account=str(conn.pk))
    pub = published(conn, "c" * 32)
    assert ratelimit.acquire(platform="rutube", account=str(conn.pk)) == 0  # a publish took it

    result = stats_sync(run_seconds=0.5)

    assert len(platform_api.calls) == 0
    assert (result.publications, result.more) == (0, True)
    assert reload(pub).stats_track.checked_at is None


def test_a_second_run_is_refused_while_one_is_in_progress(platform_api):
    vk_published(vk_connection(), 1)
    second: list = []

    def overlapping_run() -> None:
        second.append(stats_sync())

    def slow_answer(request):
        # While the first run waits for VK, another worker starts a run.
        racer = threading.Thread(target=overlapping_run)
        racer.start()
        racer.join(timeout=30)
        return 200, {}, json.dumps({"response": {"count": 0, "items": []}})

    for method in (responses.GET, responses.POST):
        platform_api.add_callback(method, "https://api.vk.test/method/video.get", slow_answer)

    first = stats_sync()

    assert second[0].skipped and second[0].publications == 0
    assert not first.skipped and first.publications == 1
    assert len(platform_api.calls) == 1


def test_a_run_is_refused_while_the_lock_is_held_and_runs_once_it_is_released(fake_vk):
    conn = vk_connection()
    [pub] = vk_published(conn, 1)
    fake_vk.figures[handle(pub)] = (1, 0, 0, 0)

    with sync_lock(ttl_seconds=60) as held:
        assert held
        refused = stats_sync()

    assert refused.skipped and fake_vk.calls == []
    assert stats_sync().changed == 1


def _slow_vk(mock: responses.RequestsMock, seconds: float) -> None:
    def answer(request):
        time.sleep(seconds)
        return 200, {}, json.dumps({"response": {"count": 0, "items": []}})

    for method in (responses.GET, responses.POST):
        mock.add_callback(method, "https://api.vk.test/method/video.get", callback=answer)


def test_a_run_stops_taking_work_at_its_time_limit_and_says_more_is_due(platform_api, settings):
    settings.STATS_SYNC_THREADS = 1
    first, second = vk_connection(), vk_connection()
    vk_published(first, 1)
    left = vk_published(second, 1)
    _slow_vk(platform_api, 0.5)

    result = stats_sync(run_seconds=0.2)

    assert (result.accounts, result.http_calls, result.more) == (2, 1, True)
    assert reload(left[0]).stats_track.checked_at is None
    follow_up = stats_sync(run_seconds=0.2)
    assert (follow_up.http_calls, follow_up.more) == (1, False)


def test_the_task_sends_the_next_run_at_once_when_work_is_left(platform_api, settings, monkeypatch):
    settings.STATS_SYNC_THREADS = 1
    settings.STATS_SYNC_RUN_SECONDS = 0.2
    vk_published(vk_connection(), 1)
    vk_published(vk_connection(), 1)
    _slow_vk(platform_api, 0.5)
    sent: list[dict] = []
    monkeypatch.setattr(tasks.sync_stats, "apply_async", lambda *a, **kw: sent.append(kw))

    tasks.sync_stats()
    assert len(sent) == 1
    tasks.sync_stats()
    assert len(sent) == 1  # the second run finished the work: no further run


def test_enrolment_keeps_the_cadence_of_figures_fetched_before(fake_vk):
    conn = vk_connection()
    fetched = timezone.now() - timedelta(minutes=20)
    [pub] = vk_published(conn, 1, stats_updated_at=fetched, views=5)

    assert stats_sync().publications == 0  # fetched 20 minutes ago: due in 40

    track = reload(pub).stats_track
    assert (track.checked_at, track.due_at) == (fetched, fetched + timedelta(hours=1))


def test_a_schedule_without_a_connection_is_linked_to_its_destinations(fake_vk):
    conn = vk_connection()
    [pub] = vk_published(conn, 1)
    stats_sync()
    # A schedule enrolled before publications had places (an older database) has none.
    StatsTrack.objects.filter(publication=pub).update(connection=None)
    fake_vk.figures[handle(pub)] = (8, 0, 0, 0)
    StatsTrack.objects.filter(publication=pub).update(due_at=timezone.now())

    stats_sync()

    track = reload(pub).stats_track
    assert track.connection_id == conn.pk
    assert reload(pub).views == 8


def test_an_account_with_more_due_rows_than_a_run_can_ask_gets_its_most_overdue_first(
    platform_api, spied_bucket, monkeypatch
):
    # Two calls at once, then one every two seconds: a one-second run asks about two videos.
    monkeypatch.setattr(provider_class("rutube"), "account_rate", Rate(per_second=0.5, burst=2.0))
    conn = PlatformConnectionFactory(platform="rutube", tokens=("rt-token", None))
    ratelimit.reset(platform="rutube", account=str(conn.pk))
    now = timezone.now()
    ages = {"a": 3, "b": 9, "c": 6, "d": 12}  # hours since each was last fetched
    for letter, hours in ages.items():
        video_id = letter * 32
        published(conn, video_id, views=1, stats_updated_at=now - timedelta(hours=hours))
        rutube_video(platform_api, video_id, hits=2)

    result = stats_sync(now=now, run_seconds=1.0)

    asked = [c.request.url.split("/video/")[1][0] for c in platform_api.calls]
    assert asked == ["d", "b"]
    assert result.more
