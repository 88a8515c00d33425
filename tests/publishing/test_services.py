"""The publishing services: validation, state transitions, claims and retry arithmetic.

Platforms are faked over HTTP with ``responses`` (VK's API shapes from platform-apis.md).
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import requests
import responses
from django.db import connections
from django.utils import timezone

from clipmaker.accounts.models import Plan
from clipmaker.clips.models import ClipStatus
from platforms.constants import MB, Platform
from platforms.models import ConnectionStatus
from publishing import ratelimit
from publishing.attempt import publication_execute
from publishing.models import Publication, PublicationStatus
from publishing.processing import publication_check
from publishing.rules import retry_delay
from publishing.selectors import publication_pending_count
from publishing.services import (
    PublicationConflict,
    PublicationStateError,
    PublicationValidationError,
    publication_cancel,
    publication_cancel_for_disconnect,
    publication_check_platforms,
    publication_create,
    publication_retry,
)
from publishing.sweeps import (
    publications_check_processing_due,
    publications_dispatch_due,
    publications_reap_expired_leases,
)
from tests.factories import (
    ClipFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    UserFactory,
)

VK_API = "https://api.vk.test/method"
UPLOAD_URL = "https://upload.vk.test/upload/1"


@pytest.fixture(autouse=True)
def _engine_settings(settings):  # type: ignore[no-untyped-def]
    settings.VK_API_URL = VK_API
    settings.PUBLISH_RETRY_DELAYS = [300, 900, 3600]
    settings.PUBLISH_LEASE_SECONDS = 1500
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    return settings


@pytest.fixture
def user(db):  # type: ignore[no-untyped-def]
    return UserFactory(plan=Plan.PRO)


@pytest.fixture
def clip(user):  # type: ignore[no-untyped-def]
    return ClipFactory(owner=user)


@pytest.fixture
def vk(user):  # type: ignore[no-untyped-def]
    return PlatformConnectionFactory(user=user, platform=Platform.VK, account_id="123")


@pytest.fixture
def api():  # type: ignore[no-untyped-def]
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def vk_save(api, **extra):  # type: ignore[no-untyped-def]
    api.post(
        f"{VK_API}/video.save",
        json={
            "response": {
                "upload_url": UPLOAD_URL,
                "video_id": 456,
                "owner_id": 123,
                "access_key": "k",
                **extra,
            }
        },
    )


def vk_upload(api):  # type: ignore[no-untyped-def]
    api.post(UPLOAD_URL, json={"video_hash": "h", "size": 40, "owner_id": 123, "video_id": 456})


def vk_get(api, *, processing: int = 0):  # type: ignore[no-untyped-def]
    api.post(
        f"{VK_API}/video.get",
        json={
            "response": {
                "count": 1,
                "items": [{"owner_id": 123, "id": 456, "processing": processing}],
            }
        },
    )


def vk_error(api, method: str, code: int, msg: str = "error"):  # type: ignore[no-untyped-def]
    api.post(f"{VK_API}/{method}", json={"error": {"error_code": code, "error_msg": msg}})


def queued(clip, platform=Platform.VK, **kwargs):  # type: ignore[no-untyped-def]
    now = timezone.now()
    defaults = {"queued_at": now, "next_attempt_at": now, "enqueued_at": now}
    return PublicationFactory(clip=clip, platform=platform, **{**defaults, **kwargs})


def reload(pub: Publication) -> Publication:
    pub.refresh_from_db()
    return pub


# --- publication_check_platforms -------------------------------------------------------------


def test_free_plan_cannot_publish_anywhere_and_is_told_which_plan_to_take(db):
    user = UserFactory(plan=Plan.FREE)
    clip = ClipFactory(owner=user)
    PlatformConnectionFactory(user=user, platform=Platform.VK)

    errors = publication_check_platforms(user=user, clip=clip, platforms=[Platform.VK])

    assert errors == {
        "vk": [
            "Публикация в VK недоступна на тарифе Free. Перейдите на тариф Start, Pro, Business."
        ]
    }


def test_start_plan_allows_vk_only(db):
    user = UserFactory(plan=Plan.START)
    clip = ClipFactory(owner=user)
    for platform in (Platform.VK, Platform.RUTUBE):
        PlatformConnectionFactory(user=user, platform=platform)

    errors = publication_check_platforms(
        user=user, clip=clip, platforms=[Platform.VK, Platform.RUTUBE]
    )

    assert list(errors) == ["rutube"]
    assert "тарифе Start" in errors["rutube"][0]
    assert "Pro, Business" in errors["rutube"][0]


def test_missing_and_expired_connections_say_what_to_do(user, clip):
    PlatformConnectionFactory(user=user, platform=Platform.DZEN, status=ConnectionStatus.EXPIRED)

    errors = publication_check_platforms(
        user=user, clip=clip, platforms=[Platform.TELEGRAM, Platform.DZEN]
    )

    assert errors["telegram"] == ["Подключите Telegram в настройках."]
    assert errors["dzen"] == ["Токен истёк, переподключите платформу в настройках."]


def test_a_file_too_big_for_telegram_names_the_platform_and_its_limit(user, clip):
    PlatformConnectionFactory(user=user, platform=Platform.TELEGRAM)
    PlatformConnectionFactory(user=user, platform=Platform.VK)
    clip.size_bytes = 60 * MB
    clip.save()

    errors = publication_check_platforms(
        user=user, clip=clip, platforms=[Platform.TELEGRAM, Platform.VK]
    )

    assert list(errors) == ["telegram"]
    assert errors["telegram"][0].startswith("Файл слишком большой для Telegram (максимум 50 МБ)")


def test_past_time_unknown_platform_and_unready_clip_are_reported(user, vk):
    clip = ClipFactory(owner=user, status=ClipStatus.RENDERING)

    errors = publication_check_platforms(
        user=user,
        clip=clip,
        platforms=[Platform.VK, "myspace"],
        scheduled_at=timezone.now() - timedelta(minutes=1),
    )

    assert set(errors) == {"clip", "scheduled_at", "myspace"}
    assert "в будущем" in errors["scheduled_at"][0]
    assert "Неизвестная платформа" in errors["myspace"][0]


# --- publication_create ----------------------------------------------------------------------


def test_create_queues_one_publication_per_platform(user, clip, vk):
    PlatformConnectionFactory(user=user, platform=Platform.DZEN)

    pubs = publication_create(
        user=user, clip=clip, platforms=[Platform.VK, Platform.DZEN], title="Мой клип"
    )

    assert [(p.platform, p.status, p.title) for p in pubs] == [
        ("vk", "queued", "Мой клип"),
        ("dzen", "queued", "Мой клип"),
    ]
    for pub in pubs:
        assert pub.queued_at and pub.next_attempt_at and pub.enqueued_at
        assert pub.bytes_total == clip.size_bytes
        assert pub.description == clip.description


def test_create_with_a_time_schedules_without_queueing(user, clip, vk):
    at = timezone.now() + timedelta(hours=2)

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.VK], scheduled_at=at)

    assert pub.status == PublicationStatus.SCHEDULED
    assert pub.scheduled_at == at
    assert pub.queued_at is None and pub.enqueued_at is None


def test_create_writes_nothing_when_one_platform_fails(user, clip, vk):
    with pytest.raises(PublicationValidationError) as exc:
        publication_create(user=user, clip=clip, platforms=[Platform.VK, Platform.RUTUBE])

    assert exc.value.errors == {"rutube": ["Подключите Rutube в настройках."]}
    assert not isinstance(exc.value, PublicationConflict)
    assert Publication.objects.count() == 0


def test_create_while_one_is_in_flight_is_a_conflict(user, clip, vk):
    publication_create(user=user, clip=clip, platforms=[Platform.VK])

    with pytest.raises(PublicationConflict) as exc:
        publication_create(user=user, clip=clip, platforms=[Platform.VK])

    assert "уже запланирован или публикуется в VK" in exc.value.errors["vk"][0]
    assert Publication.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_publish_requests_at_once_create_one_publication():
    user = UserFactory(plan=Plan.PRO)
    clip = ClipFactory(owner=user)
    PlatformConnectionFactory(user=user, platform=Platform.VK)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def publish() -> None:
        try:
            barrier.wait()
            publication_create(user=user, clip=clip, platforms=[Platform.VK])
            outcomes.append("created")
        except PublicationConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "created"]
    assert Publication.objects.filter(clip=clip).count() == 1


# --- cancel, retry, disconnect ---------------------------------------------------------------


@pytest.mark.parametrize("status", [PublicationStatus.SCHEDULED, PublicationStatus.QUEUED])
def test_scheduled_and_queued_publications_can_be_cancelled(clip, status):
    pub = PublicationFactory(clip=clip, status=status)

    pub = publication_cancel(publication=pub)

    assert pub.status == PublicationStatus.CANCELLED
    assert pub.finished_at is not None


def test_cancelling_an_upload_in_progress_marks_it_to_stop_at_its_next_step(clip):
    pub = PublicationFactory(
        clip=clip, status=PublicationStatus.PUBLISHING, claim_token=uuid.uuid4()
    )

    pub = publication_cancel(publication=pub)

    assert pub.status == PublicationStatus.PUBLISHING
    assert pub.cancel_requested_at is not None


def test_a_publication_the_platform_is_processing_cannot_be_cancelled(clip):
    pub = PublicationFactory(
        clip=clip, status=PublicationStatus.PUBLISHING, platform_handle={"id": "1_2", "data": {}}
    )

    with pytest.raises(PublicationStateError, match="обрабатывается"):
        publication_cancel(publication=pub)


@pytest.mark.parametrize(
    "status", [PublicationStatus.PUBLISHED, PublicationStatus.FAILED, PublicationStatus.CANCELLED]
)
def test_a_finished_publication_cannot_be_cancelled(clip, status):
    pub = PublicationFactory(clip=clip, status=status)

    with pytest.raises(PublicationStateError):
        publication_cancel(publication=pub)
    assert reload(pub).status == status


def test_retry_queues_a_failed_publication_with_fresh_attempts(clip):
    pub = PublicationFactory(
        clip=clip, status=PublicationStatus.FAILED, attempts=4, error_message="Ошибка"
    )

    pub = publication_retry(publication=pub)

    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 0
    assert pub.error_message == ""
    assert pub.next_attempt_at is not None


@pytest.mark.parametrize("status", [PublicationStatus.QUEUED, PublicationStatus.PUBLISHED])
def test_only_a_failed_publication_can_be_retried(clip, status):
    pub = PublicationFactory(clip=clip, status=status)

    with pytest.raises(PublicationStateError):
        publication_retry(publication=pub)


def test_disconnect_cancels_scheduled_and_queued_publications_of_that_platform(user):
    clips = ClipFactory.create_batch(4, owner=user)
    PublicationFactory(clip=clips[0], status=PublicationStatus.SCHEDULED)
    PublicationFactory(clip=clips[1], status=PublicationStatus.QUEUED)
    done = PublicationFactory(clip=clips[2], status=PublicationStatus.PUBLISHED)
    other = PublicationFactory(clip=clips[3], platform=Platform.DZEN)

    assert publication_pending_count(user=user, platform=Platform.VK) == 2
    assert publication_cancel_for_disconnect(user=user, platform=Platform.VK) == 2

    assert publication_pending_count(user=user, platform=Platform.VK) == 0
    assert reload(done).status == PublicationStatus.PUBLISHED
    assert reload(other).status == PublicationStatus.QUEUED


# --- publication_execute ---------------------------------------------------------------------


def test_execute_publishes_and_stores_the_handle(api, clip, vk):
    vk_save(api)
    vk_upload(api)
    vk_get(api)
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.PUBLISHED
    assert pub.attempts == 1
    assert pub.platform_handle["id"] == "123_456"
    assert pub.platform_url == "https://vk.com/clip123_456"
    assert pub.claim_token is None and pub.lease_expires_at is None
    assert pub.bytes_sent == pub.bytes_total


def test_a_duplicate_delivery_does_nothing(api, clip, vk):
    vk_save(api)
    vk_upload(api)
    vk_get(api)
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)
    publication_execute(publication_id=pub.pk)  # no HTTP registered for a second post

    assert len(api.calls) == 3
    assert reload(pub).attempts == 1


def test_a_row_claimed_by_another_worker_is_left_alone(api, clip, vk):
    token = uuid.uuid4()
    pub = queued(clip, status=PublicationStatus.PUBLISHING, claim_token=token, attempts=1)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert (pub.status, pub.claim_token, pub.attempts) == ("publishing", token, 1)
    assert len(api.calls) == 0


def test_a_row_not_yet_due_is_not_claimed_and_left_to_the_dispatcher(api, clip, vk):
    pub = queued(clip, next_attempt_at=timezone.now() + timedelta(minutes=5))

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.enqueued_at is None
    assert pub.attempts == 0


def test_a_platform_still_processing_keeps_the_row_publishing_with_its_handle(api, clip, vk):
    vk_save(api)
    vk_upload(api)
    vk_get(api, processing=1)
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.PUBLISHING
    assert pub.claim_token is None
    assert pub.platform_handle["id"] == "123_456"
    assert pub.next_attempt_at > timezone.now()


def test_a_transient_error_is_retried_after_the_first_delay(api, clip, vk):
    api.post(f"{VK_API}/video.save", status=502)
    pub = queued(clip)
    before = timezone.now()

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 1
    assert 299 <= (pub.next_attempt_at - before).total_seconds() <= 302
    assert "повторится автоматически" in pub.error_message
    assert pub.claim_token is None and pub.enqueued_at is None


def test_a_requeued_row_forgets_the_bytes_of_the_attempt_that_failed(api, clip, vk):
    # Stale progress would show a wrong percentage and would make the reaper take a later
    # attempt that died before sending anything for one whose bytes had gone out.
    api.post(f"{VK_API}/video.save", status=502)
    pub = queued(clip, bytes_sent=1234, bytes_total=5000)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.bytes_sent == 0


def test_the_fourth_transient_failure_fails_the_publication(api, clip, vk):
    api.post(f"{VK_API}/video.save", status=503)
    pub = queued(clip, attempts=3)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.attempts == 4
    assert pub.error_message.startswith("Не удалось опубликовать в VK после 4 попыток")
    assert "(ошибка 503)" in pub.error_message


@pytest.mark.parametrize(
    ("attempts", "expected"), [(0, None), (1, 300.0), (2, 900.0), (3, 3600.0), (4, None)]
)
def test_retry_delays_follow_the_setting(attempts, expected):
    assert retry_delay(attempts=attempts) == expected


def test_a_rate_limit_re_delays_without_using_an_attempt(api, clip, vk):
    vk_error(api, "video.save", 6, "Too many requests per second")
    pub = queued(clip, attempts=2)
    before = timezone.now()

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 2
    assert pub.next_attempt_at > before


def test_retry_after_zero_still_waits_a_second(api, clip, vk):
    api.post(f"{VK_API}/video.save", status=429, headers={"Retry-After": "0"})
    pub = queued(clip)
    before = timezone.now()

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 0
    assert (pub.next_attempt_at - before).total_seconds() >= 1.0


def test_a_platform_that_rate_limits_for_hours_fails_the_publication(api, clip, vk, settings):
    settings.PUBLISH_RATE_LIMITED_GIVE_UP_SECONDS = 6 * 3600
    vk_error(api, "video.save", 6, "Too many requests per second")
    pub = queued(clip, queued_at=timezone.now() - timedelta(hours=7))

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "rate_limited"
    assert "ограничивает частоту запросов уже больше 6 ч" in pub.error_message


def test_a_late_duplicate_delivery_does_not_shorten_another_workers_back_off(
    api, clip, vk, monkeypatch
):
    pub = queued(clip)
    backoff = timezone.now() + timedelta(seconds=300)

    def other_worker_ran_first(*, platform: str, account: str, **place: str) -> float:
        # Meanwhile the first delivery claimed it, failed and set the 5-minute back-off.
        Publication.objects.filter(pk=pub.pk).update(attempts=1, next_attempt_at=backoff)
        return 0.5  # this (duplicate) delivery finds the bucket empty

    monkeypatch.setattr(ratelimit, "acquire", other_worker_ran_first)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.next_attempt_at == backoff
    assert len(api.calls) == 0


def test_a_rutube_create_answered_504_is_never_sent_again(api, clip, user, settings):
    settings.RUTUBE_API_URL = "https://rutube.test/api"
    PlatformConnectionFactory(user=user, platform=Platform.RUTUBE)
    api.post("https://rutube.test/api/video/", status=504, body="Gateway Time-out")
    pub = queued(clip, platform=Platform.RUTUBE)

    publication_execute(publication_id=pub.pk)
    publication_execute(publication_id=pub.pk)  # a redelivery posts nothing more

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "outcome_unknown"
    assert "Rutube" in pub.error_message
    assert len(api.calls) == 1


def test_a_permanent_error_fails_at_once_with_the_platforms_reason(api, clip, vk):
    vk_error(api, "video.save", 15, "Access denied")
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.attempts == 1
    assert pub.error_message
    assert pub.error_code == "15"


def test_an_expired_connection_fails_without_calling_the_platform(api, clip, vk):
    vk.status = ConnectionStatus.EXPIRED
    vk.save()
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_message == "Токен истёк, переподключите платформу в настройках."


def test_a_transient_error_after_cancel_was_requested_cancels_instead_of_retrying(api, clip, vk):
    pub = queued(clip)

    def save_then_cancel(request):  # type: ignore[no-untyped-def]
        Publication.objects.filter(pk=pub.pk).update(cancel_requested_at=timezone.now())
        return (500, {}, "")

    api.add_callback(responses.POST, f"{VK_API}/video.save", callback=save_then_cancel)

    publication_execute(publication_id=pub.pk)

    assert reload(pub).status == PublicationStatus.CANCELLED


def test_a_retry_resumes_the_stored_handle_instead_of_creating_a_second_video(api, clip, vk):
    vk_get(api)  # the platform already has it: no video.save, no upload
    handle = {
        "id": "123_456",
        "data": {
            "owner_id": 123,
            "video_id": 456,
            "upload_url": UPLOAD_URL,
            "mode": "clip",
            "uploaded": True,
        },
    }
    pub = queued(clip, attempts=1, platform_handle=handle)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.PUBLISHED
    assert [c.request.url.rsplit("/", 1)[-1] for c in api.calls] == ["video.get"]


def test_our_rate_limiter_re_delays_without_claiming(api, clip, vk, settings):
    settings.PLATFORM_RATE_LIMITS_ENABLED = True
    ratelimit.reset(platform=Platform.VK, account=str(vk.pk))
    for _ in range(3):  # VK: a burst of 3 per account
        assert ratelimit.acquire(platform=Platform.VK, account=str(vk.pk)) == 0
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 0
    assert timezone.now() < pub.next_attempt_at < timezone.now() + timedelta(seconds=2)
    assert len(api.calls) == 0


# --- rate limiter ----------------------------------------------------------------------------


def test_the_bucket_refuses_beyond_the_burst_and_says_how_long_to_wait(settings, db):
    settings.PLATFORM_RATE_LIMITS_ENABLED = True
    account = uuid.uuid4().hex
    ratelimit.reset(platform=Platform.DZEN, account=account)

    waits = [ratelimit.acquire(platform=Platform.DZEN, account=account) for _ in range(3)]

    assert waits[:2] == [0.0, 0.0]
    assert 0.3 < waits[2] <= 0.5  # 2 per second: the next token in under half a second


def test_buckets_are_per_account(settings, db):
    settings.PLATFORM_RATE_LIMITS_ENABLED = True
    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    for account in (a, b):
        ratelimit.reset(platform=Platform.RUTUBE, account=account)

    assert ratelimit.acquire(platform=Platform.RUTUBE, account=a) == 0
    assert ratelimit.acquire(platform=Platform.RUTUBE, account=a) > 0
    assert ratelimit.acquire(platform=Platform.RUTUBE, account=b) == 0


def test_lifting_the_limits_always_grants(settings, db):
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    assert all(ratelimit.acquire(platform=Platform.RUTUBE, account="x") == 0 for _ in range(10))


# --- dispatcher, reaper ----------------------------------------------------------------------


def test_the_dispatcher_queues_due_scheduled_rows_and_leaves_later_ones(clip, settings):
    settings.DISPATCH_INTERVAL_SECONDS = 2
    now = timezone.now()
    due = PublicationFactory(clip=clip, status=PublicationStatus.SCHEDULED, scheduled_at=now)
    soon = PublicationFactory(
        clip=ClipFactory(owner=clip.owner),
        status=PublicationStatus.SCHEDULED,
        scheduled_at=now + timedelta(seconds=1),
    )
    later = PublicationFactory(
        clip=ClipFactory(owner=clip.owner),
        status=PublicationStatus.SCHEDULED,
        scheduled_at=now + timedelta(minutes=10),
    )

    assert publications_dispatch_due(now=now) == 2

    for pub in (due, soon):
        pub = reload(pub)
        assert pub.status == PublicationStatus.QUEUED
        assert pub.next_attempt_at == pub.scheduled_at
        assert pub.enqueued_at == now
    assert reload(later).status == PublicationStatus.SCHEDULED
    assert publications_dispatch_due(now=now) == 0  # a second beat finds nothing left


def test_the_dispatcher_resends_queued_rows_whose_message_was_lost(clip, settings):
    settings.PUBLISH_REDELIVER_SECONDS = 60
    now = timezone.now()
    lost = queued(clip, enqueued_at=now - timedelta(minutes=5), next_attempt_at=now)
    sent = queued(ClipFactory(owner=clip.owner), enqueued_at=now - timedelta(seconds=5))
    retry_due = queued(ClipFactory(owner=clip.owner), enqueued_at=None, next_attempt_at=now)
    retry_later = queued(
        ClipFactory(owner=clip.owner),
        enqueued_at=None,
        next_attempt_at=now + timedelta(minutes=5),
    )

    assert publications_dispatch_due(now=now) == 2

    assert reload(lost).enqueued_at == now
    assert reload(retry_due).enqueued_at == now
    assert reload(sent).enqueued_at == now - timedelta(seconds=5)
    assert reload(retry_later).enqueued_at is None


def test_processing_checks_are_sent_once_when_due(clip):
    now = timezone.now()
    pub = PublicationFactory(
        clip=clip,
        status=PublicationStatus.PUBLISHING,
        platform_handle={"id": "1_2", "data": {}},
        next_attempt_at=now - timedelta(seconds=1),
    )

    assert publications_check_processing_due(now=now) == 1
    assert publications_check_processing_due(now=now) == 0
    assert reload(pub).enqueued_at == now


def test_the_reaper_returns_a_dead_workers_row_to_the_retry_path(clip):
    now = timezone.now()
    pub = queued(
        clip,
        status=PublicationStatus.PUBLISHING,
        claim_token=uuid.uuid4(),
        attempts=1,
        lease_expires_at=now - timedelta(seconds=1),
        platform_handle={"id": "123_456", "data": {"upload_url": UPLOAD_URL}},
    )
    alive = queued(
        ClipFactory(owner=clip.owner),
        status=PublicationStatus.PUBLISHING,
        claim_token=uuid.uuid4(),
        attempts=1,
        lease_expires_at=now + timedelta(minutes=1),
    )

    assert publications_reap_expired_leases(now=now) == 1

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.claim_token is None
    assert pub.next_attempt_at == now + timedelta(seconds=300)
    assert pub.platform_handle["id"] == "123_456"
    assert reload(alive).status == PublicationStatus.PUBLISHING


def test_the_reaper_fails_a_row_whose_post_may_exist_without_a_handle(clip):
    now = timezone.now()
    pub = queued(
        clip,
        platform=Platform.TELEGRAM,
        status=PublicationStatus.PUBLISHING,
        claim_token=uuid.uuid4(),
        attempts=1,
        bytes_sent=1024,
        lease_expires_at=now - timedelta(seconds=1),
    )

    publications_reap_expired_leases(now=now)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "outcome_unknown"
    assert "Проверьте Telegram" in pub.error_message


def test_the_reaper_fails_a_row_with_no_attempts_left(clip):
    now = timezone.now()
    pub = queued(
        clip,
        status=PublicationStatus.PUBLISHING,
        claim_token=uuid.uuid4(),
        attempts=4,
        lease_expires_at=now - timedelta(seconds=1),
    )

    publications_reap_expired_leases(now=now)

    assert reload(pub).status == PublicationStatus.FAILED


def test_the_reaper_fails_a_rutube_row_whose_create_call_may_have_gone_out(clip):
    # Rutube gives no handle before its one create call and no bytes are counted before it:
    # a worker that died holding the claim may already have created the video there.
    now = timezone.now()
    pub = queued(
        clip,
        platform=Platform.RUTUBE,
        status=PublicationStatus.PUBLISHING,
        claim_token=uuid.uuid4(),
        attempts=1,
        bytes_sent=0,
        lease_expires_at=now - timedelta(seconds=1),
    )

    publications_reap_expired_leases(now=now)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "outcome_unknown"
    assert "Проверьте Rutube" in pub.error_message


# --- a clip the platform may already have is never reported cancelled ----------------------

VK_HANDLE = {"id": "123_456", "data": {"owner_id": 123, "video_id": 456, "upload_url": UPLOAD_URL}}


def _uploaded(handle: dict) -> dict:  # type: ignore[type-arg]
    return {"id": handle["id"], "data": {**handle["data"], "uploaded": True}}


def test_an_upload_whose_answer_was_lost_is_retried_and_can_no_longer_be_cancelled(api, clip, vk):
    vk_save(api)

    def body_out_then_silence(request):  # type: ignore[no-untyped-def]
        for _ in request.body:  # VK receives the whole clip...
            pass
        return (200, {}, requests.ReadTimeout("read timed out"))  # ...its answer is lost

    api.add_callback(responses.POST, UPLOAD_URL, callback=body_out_then_silence)
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED  # a retry will check the stored video
    assert pub.bytes_sent == pub.bytes_total > 0
    with pytest.raises(PublicationStateError, match="возможно, уже передан в VK"):
        publication_cancel(publication=pub)
    assert reload(pub).status == PublicationStatus.QUEUED


@pytest.mark.parametrize(
    ("handle", "bytes_sent", "cancellable"),
    [
        (None, 0, True),
        (VK_HANDLE, 0, True),  # video.save done, no bytes yet: VK has an empty video at most
        (VK_HANDLE, 40, True),  # part of the clip: VK cannot publish it
        (VK_HANDLE, 100, False),  # the whole clip went out
        (_uploaded(VK_HANDLE), 0, False),  # VK confirmed the upload
    ],
)
def test_cancel_refuses_only_what_the_platform_may_have(clip, handle, bytes_sent, cancellable):
    pub = queued(clip, attempts=1, platform_handle=handle, bytes_sent=bytes_sent, bytes_total=100)

    if cancellable:
        assert publication_cancel(publication=pub).status == PublicationStatus.CANCELLED
        assert reload(pub).error_message == ""  # no «повторится автоматически» left behind
    else:
        with pytest.raises(PublicationStateError):
            publication_cancel(publication=pub)
        assert reload(pub).status == PublicationStatus.QUEUED


def test_the_reaper_prefers_may_be_posted_to_a_cancel_request(clip):
    now = timezone.now()
    telegram = queued(
        clip,
        platform=Platform.TELEGRAM,
        status=PublicationStatus.PUBLISHING,
        claim_token=uuid.uuid4(),
        attempts=1,
        bytes_sent=1024,
        cancel_requested_at=now - timedelta(minutes=30),
        lease_expires_at=now - timedelta(seconds=1),
    )
    vk_row = queued(
        ClipFactory(owner=clip.owner),
        status=PublicationStatus.PUBLISHING,
        claim_token=uuid.uuid4(),
        attempts=1,
        platform_handle=_uploaded(VK_HANDLE),
        cancel_requested_at=now - timedelta(minutes=30),
        lease_expires_at=now - timedelta(seconds=1),
    )

    assert publications_reap_expired_leases(now=now) == 2

    telegram, vk_row = reload(telegram), reload(vk_row)
    assert (telegram.status, telegram.error_code) == ("failed", "outcome_unknown")
    assert vk_row.status == PublicationStatus.QUEUED  # its next attempt checks the video


def test_a_disconnect_while_the_platform_processes_says_what_is_known(api, clip, vk):
    pub = queued(
        clip,
        status=PublicationStatus.PUBLISHING,
        attempts=1,
        platform_handle=_uploaded(VK_HANDLE),
        started_at=timezone.now(),
    )
    publication_cancel_for_disconnect(user=clip.owner, platform=Platform.VK)
    vk.status = ConnectionStatus.REVOKED
    vk.save()

    publication_check(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "disconnected_after_upload"
    assert "клип уже был передан платформе" in pub.error_message
    assert "Токен истёк" not in pub.error_message
    assert len(api.calls) == 0


def test_a_disconnect_leaves_a_retry_of_a_delivered_clip_to_end_with_that_message(api, clip, vk):
    waiting = queued(clip, attempts=1, platform_handle=_uploaded(VK_HANDLE))
    plain = queued(ClipFactory(owner=clip.owner))

    cancelled = publication_cancel_for_disconnect(user=clip.owner, platform=Platform.VK)
    vk.status = ConnectionStatus.REVOKED
    vk.save()
    publication_execute(publication_id=waiting.pk)

    assert cancelled == 1
    assert reload(plain).status == PublicationStatus.CANCELLED
    waiting = reload(waiting)
    assert (waiting.status, waiting.error_code) == ("failed", "disconnected_after_upload")
    assert len(api.calls) == 0
