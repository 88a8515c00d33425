"""End to end: a real Celery worker, the dispatcher loop and the sandbox over HTTP."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from platforms.constants import Platform
from platforms.models import ConnectionStatus
from publishing.models import Publication, PublicationStatus
from publishing.services import publication_cancel, publication_create
from tests.factories import ClipFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.live]

ALL = [Platform.VK, Platform.RUTUBE, Platform.DZEN, Platform.TELEGRAM]


def _final(pubs: list[Publication]) -> bool:
    ids = [p.pk for p in pubs]
    return not Publication.objects.filter(
        pk__in=ids,
        status__in=[
            PublicationStatus.SCHEDULED,
            PublicationStatus.QUEUED,
            PublicationStatus.PUBLISHING,
        ],
    ).exists()


def test_one_clip_is_published_once_on_each_of_the_four_platforms(
    sandbox, connect, publishing_worker
):
    user = UserFactory()
    clip = ClipFactory(owner=user)
    connect(user, *ALL)

    pubs = publication_create(user=user, clip=clip, platforms=ALL)

    publishing_worker.wait_for(lambda: _final(pubs), timeout=30)
    rows = {p.platform: p for p in Publication.objects.filter(clip=clip)}
    assert {p: r.status for p, r in rows.items()} == {p: "published" for p in ALL}, {
        p: r.error_message for p, r in rows.items()
    }
    for platform in ALL:
        assert rows[platform].platform_url
        assert rows[platform].attempts == 1
        assert len(sandbox.control.videos(platform)) == 1


def _refreshed(pub: Publication) -> Publication:
    pub.refresh_from_db()
    return pub


def _methods(control, platform: str) -> list[str]:
    return [e["method"] for e in control.journal(platform)]


def test_a_scheduled_publication_starts_within_two_seconds_of_its_time(
    sandbox, connect, publishing_worker
):
    user = UserFactory()
    clip = ClipFactory(owner=user)
    connect(user, Platform.VK)
    at = timezone.now() + timedelta(seconds=5)

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.VK], scheduled_at=at)
    assert pub.status == PublicationStatus.SCHEDULED

    publishing_worker.wait_for(lambda: _final([pub]), timeout=20)
    pub = _refreshed(pub)
    assert pub.status == PublicationStatus.PUBLISHED
    lag = (pub.started_at - at).total_seconds()
    assert 0 <= lag < 2.0, lag


def test_a_cancelled_scheduled_publication_is_never_posted(sandbox, connect, publishing_worker):
    user = UserFactory()
    clip = ClipFactory(owner=user)
    connect(user, Platform.TELEGRAM)
    at = timezone.now() + timedelta(seconds=2)
    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.TELEGRAM], scheduled_at=at)

    publication_cancel(publication=pub)
    time.sleep(3.5)  # past its time and a dozen dispatcher ticks

    assert _refreshed(pub).status == PublicationStatus.CANCELLED
    assert sandbox.control.videos("telegram") == []
    assert "sendVideo" not in _methods(sandbox.control, "telegram")


def test_three_transient_failures_are_retried_and_the_fourth_attempt_succeeds(
    sandbox, connect, publishing_worker
):
    user = UserFactory()
    clip = ClipFactory(owner=user)
    connect(user, Platform.VK)
    sandbox.control.inject("vk", "server_error", count=3, method="shortVideo.create")

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.VK])

    publishing_worker.wait_for(lambda: _final([pub]), timeout=30)
    pub = _refreshed(pub)
    assert pub.status == PublicationStatus.PUBLISHED, pub.error_message
    assert pub.attempts == 4
    assert len(sandbox.control.videos("vk")) == 1
    assert publishing_worker.log.count("publish_job_retry") >= 3


def test_four_transient_failures_fail_the_publication_with_a_message(
    sandbox, connect, publishing_worker
):
    user = UserFactory()
    clip = ClipFactory(owner=user)
    connect(user, Platform.DZEN)
    sandbox.control.inject("dzen", "server_error", count=4, method="videos.create")

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.DZEN])

    publishing_worker.wait_for(lambda: _final([pub]), timeout=30)
    pub = _refreshed(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.attempts == 4
    assert "после 4 попыток" in pub.error_message
    assert "Повторить" in pub.error_message
    assert _methods(sandbox.control, "dzen").count("videos.create") == 4
    assert sandbox.control.videos("dzen") == []


def test_a_platform_429_is_honoured_without_using_an_attempt(sandbox, connect, publishing_worker):
    user = UserFactory()
    clip = ClipFactory(owner=user)
    connect(user, Platform.DZEN)
    sandbox.control.inject("dzen", "rate_limit", method="videos.create", retry_after=2)

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.DZEN])

    publishing_worker.wait_for(lambda: _final([pub]), timeout=30)
    pub = _refreshed(pub)
    assert pub.status == PublicationStatus.PUBLISHED, pub.error_message
    assert pub.attempts == 1
    creates = [e for e in sandbox.control.journal("dzen") if e["method"] == "videos.create"]
    assert len(creates) == 2
    assert creates[0]["status"] == 429
    assert 200 <= creates[1]["status"] < 300
    assert creates[1]["at"] - creates[0]["at"] >= 1.9


def test_an_expired_token_is_refreshed_and_the_publication_succeeds(
    sandbox, connect, publishing_worker
):
    user = UserFactory()
    clip = ClipFactory(owner=user)
    conn = connect(user, Platform.VK)
    old_token = conn.access_token_sealed
    sandbox.control.inject("vk", "auth_expired", method="shortVideo.create")

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.VK])

    publishing_worker.wait_for(lambda: _final([pub]), timeout=30)
    pub = _refreshed(pub)
    conn.refresh_from_db()
    assert pub.status == PublicationStatus.PUBLISHED, pub.error_message
    assert pub.attempts == 1
    assert conn.status == ConnectionStatus.ACTIVE
    assert conn.access_token_sealed != old_token
    assert "oauth2/auth" in " ".join(e["path"] for e in sandbox.control.journal("vkid"))


def test_an_expired_token_that_cannot_be_refreshed_expires_the_connection(
    sandbox, connect, publishing_worker
):
    user = UserFactory()
    clip = ClipFactory(owner=user)
    conn = connect(user, Platform.RUTUBE)  # a pasted API token: nothing to refresh it with
    sandbox.control.inject("rutube", "auth_expired", method="video.create")

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.RUTUBE])

    publishing_worker.wait_for(lambda: _final([pub]), timeout=30)
    pub = _refreshed(pub)
    conn.refresh_from_db()
    assert pub.status == PublicationStatus.FAILED
    assert "Токен истёк, переподключите платформу" in pub.error_message
    assert pub.attempts == 1
    assert conn.status == ConnectionStatus.EXPIRED


def test_a_missing_clip_file_fails_at_once_without_retrying(sandbox, connect, publishing_worker):
    user = UserFactory()
    clip = ClipFactory(owner=user)
    connect(user, Platform.VK)
    default_storage.delete(clip.file.name)

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.VK])

    publishing_worker.wait_for(lambda: _final([pub]), timeout=30)
    time.sleep(1.5)  # longer than a retry delay: nothing else happens
    pub = _refreshed(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_message.startswith("Файл клипа не найден")
    assert pub.attempts == 1
    assert "video.save" not in _methods(sandbox.control, "vk")


def test_an_upload_accepted_then_dropped_is_checked_not_sent_again(
    sandbox, connect, publishing_worker
):
    user = UserFactory()
    clip = ClipFactory(owner=user)
    conn = connect(user, Platform.VK)
    # Видео mode: VK lists a video once its file arrived, so the retry can see it did.
    conn.extra = {**conn.extra, "vk_mode": "video"}
    conn.save(update_fields=["extra"])
    sandbox.control.inject("vk", "accept_then_drop", method="upload")

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.VK])

    publishing_worker.wait_for(lambda: _final([pub]), timeout=30)
    pub = _refreshed(pub)
    assert pub.status == PublicationStatus.PUBLISHED, pub.error_message
    [video] = sandbox.control.videos("vk")
    assert video["uploads"] == 1
    assert _methods(sandbox.control, "vk").count("video.save") == 1


def test_a_telegram_post_whose_answer_was_lost_is_not_sent_twice(
    sandbox, connect, publishing_worker
):
    user = UserFactory()
    clip = ClipFactory(owner=user)
    connect(user, Platform.TELEGRAM)
    sandbox.control.inject("telegram", "accept_then_drop", method="sendVideo")

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.TELEGRAM])

    publishing_worker.wait_for(lambda: _final([pub]), timeout=30)
    time.sleep(1.5)
    pub = _refreshed(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "outcome_unknown"
    assert "Проверьте Telegram" in pub.error_message
    assert len(sandbox.control.videos("telegram")) == 1


def test_a_worker_killed_mid_upload_still_publishes_exactly_once(sandbox, connect, worker_factory):
    worker = worker_factory(
        PUBLISH_LEASE_SECONDS=4, CELERY_TASK_SOFT_TIME_LIMIT=2, CELERY_TASK_TIME_LIMIT=3
    )
    user = UserFactory()
    clip = ClipFactory(owner=user)
    connect(user, Platform.VK)
    sandbox.control.inject("vk", "slow", method="upload", delay=3)

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.VK])
    worker.wait_for(
        lambda: Publication.objects.filter(
            pk=pub.pk, status=PublicationStatus.PUBLISHING, platform_handle__isnull=False
        ).exists(),
        timeout=15,
    )
    time.sleep(0.5)  # the upload is under way: the sandbox holds it for 3 s
    worker.kill()
    worker.start()

    worker.wait_for(lambda: _final([pub]), timeout=30)
    pub = _refreshed(pub)
    assert pub.status == PublicationStatus.PUBLISHED, pub.error_message
    assert pub.attempts == 2
    assert len(sandbox.control.videos("vk")) == 1
    assert _methods(sandbox.control, "vk").count("shortVideo.create") == 1
