"""One publish attempt (``publishing.attempt.publication_execute``): claim, call, record.

The platform is the scripted ``fake`` one: each test says what the platform does and checks
what the engine made of it, never how any real platform speaks.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import resolve
from django.utils import timezone

from clipmaker.accounts.models import Plan
from clipmaker.clips.signing import clip_id_from_signed
from platforms.constants import MB
from platforms.models import ConnectionStatus
from platforms.providers import (
    AuthExpired,
    ClipFileMissing,
    PermanentError,
    PlatformHandle,
    RateLimited,
    Rejected,
    TokenSet,
    TransientError,
)
from publishing import ratelimit
from publishing.attempt import publication_execute
from publishing.models import Publication, PublicationStatus
from publishing.services import PublicationStateError, publication_cancel
from tests.factories import ClipFactory, PublicationFactory
from tests.fixtures.fake_provider import do, fail, handle, processing, published, upload

from .support import queued, reload, uploaded_handle_json

pytestmark = pytest.mark.usefixtures("engine_settings", "broker", "connection")


# --- claiming --------------------------------------------------------------------------------


def test_execute_publishes_and_stores_the_handle(fake, clip):
    fake.publish(handle(), upload(), processing())
    fake.check(published())
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.PUBLISHED
    assert pub.attempts == 1
    assert pub.platform_handle == {"id": "fake-1", "data": {"uploaded": True}}
    assert pub.platform_video_id == "fake-1"
    assert pub.platform_url == fake.link("fake-1")
    assert pub.claim_token is None and pub.lease_expires_at is None
    assert pub.bytes_sent == pub.bytes_total
    assert pub.published_at is not None and pub.error_message == ""
    # The one quick look after the upload asked about the video the upload made.
    assert fake.calls_of("check")[0].handle == PlatformHandle.from_json(pub.platform_handle)


def test_a_platform_that_answers_published_at_once_needs_no_check(fake, clip):
    # A platform that names the post only in its answer (no handle before the upload).
    fake.publish(upload(), published())
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.PUBLISHED
    assert pub.platform_handle["id"] == "fake-1"
    assert [c.method for c in fake.calls] == ["publish"]


def test_the_publish_call_gets_the_clip_the_text_and_the_credentials(fake, clip, connection):
    fake.publish(published())
    pub = queued(clip, title="Закат", description="Над Волгой")

    publication_execute(publication_id=pub.pk)

    [call] = fake.calls_of("publish")
    assert (call.meta.title, call.meta.description) == ("Закат", "Над Волгой")
    assert call.meta.duration_seconds == clip.duration_seconds
    assert call.clip.name == clip.file.name
    assert call.clip.size == clip.size_bytes
    assert call.clip.public_url is None  # the platform is sent the bytes, not a link
    assert call.credentials.access_token == "access-token-value"
    assert call.credentials.account_id == "123"
    assert call.resume is None


def test_a_platform_that_fetches_by_url_gets_a_signed_link_to_the_clip(fake, clip, settings):
    settings.PUBLIC_BASE_URL = "https://clipmaker.test"
    fake.facts(fetches_by_url=True)
    fake.publish(published())

    publication_execute(publication_id=queued(clip).pk)

    [call] = fake.calls_of("publish")
    url = urlsplit(call.clip.public_url)
    assert f"{url.scheme}://{url.netloc}" == "https://clipmaker.test"
    match = resolve(url.path)
    assert match.url_name == "signed-clip-file"
    assert clip_id_from_signed(match.kwargs["signed"]) == clip.pk  # signed, expiring


def test_a_duplicate_delivery_does_nothing(fake, clip):
    fake.publish(handle(), upload(), processing())
    fake.check(published())
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)
    publication_execute(publication_id=pub.pk)  # nothing scripted for a second post

    assert len(fake.calls) == 2
    assert reload(pub).attempts == 1
    assert len(fake.videos) == 1


def test_a_row_claimed_by_another_worker_is_left_alone(fake, clip):
    token = uuid.uuid4()
    pub = queued(clip, status=PublicationStatus.PUBLISHING, claim_token=token, attempts=1)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert (pub.status, pub.claim_token, pub.attempts) == ("publishing", token, 1)
    assert fake.calls == []


def test_a_row_not_yet_due_is_not_claimed_and_left_to_the_dispatcher(fake, clip):
    pub = queued(clip, next_attempt_at=timezone.now() + timedelta(minutes=5))

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.enqueued_at is None
    assert pub.attempts == 0
    assert fake.calls == []


# --- what the platform answered ---------------------------------------------------------------


def test_a_platform_still_processing_keeps_the_row_publishing_with_its_handle(fake, clip):
    fake.publish(handle(), upload(), processing())
    fake.check(processing())
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.PUBLISHING
    assert pub.claim_token is None and pub.lease_expires_at is None
    assert pub.platform_handle["id"] == "fake-1"
    assert pub.platform_url == fake.link("fake-1")
    assert pub.bytes_sent == pub.bytes_total
    assert pub.next_attempt_at > timezone.now()


def test_the_handle_is_stored_before_the_first_byte_goes_out(fake, clip):
    pub = queued(clip)
    stored_before_upload = []
    fake.publish(
        handle(),
        do(lambda: stored_before_upload.append(reload(pub).platform_handle)),
        upload(),
        processing(),
    )
    fake.check(processing())

    publication_execute(publication_id=pub.pk)

    assert stored_before_upload == [{"id": "fake-1", "data": {"uploaded": False}}]
    assert reload(pub).platform_handle["data"]["uploaded"] is True


def test_progress_is_written_while_the_file_goes_out(fake, clip):
    fake.facts(upload_chunk_size=16)  # the 48-byte clip goes out in three reads
    pub = queued(clip)
    seen = []
    fake.publish(handle(), upload(), do(lambda: seen.append(reload(pub).bytes_sent)), processing())
    fake.check(processing())

    publication_execute(publication_id=pub.pk)

    assert 0 < seen[0] <= pub.bytes_total
    assert fake.received == [pub.bytes_total]


def test_a_transient_error_is_retried_after_the_first_delay(fake, clip):
    fake.publish(
        fail(TransientError("Фейк временно недоступен. Публикация повторится автоматически."))
    )
    pub = queued(clip)
    before = timezone.now()

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 1
    assert 299 <= (pub.next_attempt_at - before).total_seconds() <= 302
    assert "повторится автоматически" in pub.error_message
    assert pub.claim_token is None and pub.enqueued_at is None


def test_a_requeued_row_forgets_the_bytes_of_the_attempt_that_failed(fake, clip):
    # Stale progress would show a wrong percentage and would make the reaper take a later
    # attempt that died before sending anything for one whose bytes had gone out.
    fake.publish(fail(TransientError(status=502)))
    pub = queued(clip, bytes_sent=1234, bytes_total=5000)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.bytes_sent == 0


def test_the_fourth_transient_failure_fails_the_publication(fake, clip):
    fake.publish(fail(TransientError(status=503)))
    pub = queued(clip, attempts=3)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.attempts == 4
    assert pub.error_message.startswith("Не удалось опубликовать в Фейк после 4 попыток")
    assert "(ошибка 503)" in pub.error_message
    assert pub.error_code == "transient_exhausted"


def test_a_rate_limit_re_delays_without_using_an_attempt(fake, clip):
    fake.publish(fail(RateLimited(retry_after=30)))
    pub = queued(clip, attempts=2)
    before = timezone.now()

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 2
    assert 29 <= (pub.next_attempt_at - before).total_seconds() <= 32


def test_retry_after_zero_still_waits_a_second(fake, clip):
    fake.publish(fail(RateLimited(retry_after=0)))
    pub = queued(clip)
    before = timezone.now()

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 0
    assert (pub.next_attempt_at - before).total_seconds() >= 1.0


def test_a_platform_that_rate_limits_for_hours_fails_the_publication(fake, clip, settings):
    settings.PUBLISH_RATE_LIMITED_GIVE_UP_SECONDS = 6 * 3600
    fake.publish(fail(RateLimited(retry_after=1)))
    pub = queued(clip, queued_at=timezone.now() - timedelta(hours=7))

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "rate_limited"
    assert "ограничивает частоту запросов уже больше 6 ч" in pub.error_message


def test_a_permanent_error_fails_at_once_with_the_platforms_reason(fake, clip):
    refusal = PermanentError("Фейк запретил доступ. Переподключите Фейк.", code=15)
    fake.publish(fail(refusal))
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.attempts == 1
    assert pub.error_message == refusal.user_message
    assert pub.error_code == "15"


def test_a_video_the_platforms_moderation_rejects_fails_as_rejected(fake, clip):
    fake.publish(fail(Rejected("Фейк отклонил видео на модерации.")))
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert (pub.status, pub.error_code) == ("failed", "rejected")
    assert pub.error_message == "Фейк отклонил видео на модерации."


def test_a_crash_fails_with_a_message_instead_of_posting_again(fake, clip):
    fake.publish(handle(), fail(KeyError("owner_id")))
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "internal:KeyError"
    assert "Проверьте платформу" in pub.error_message
    assert pub.platform_handle["id"] == "fake-1"  # kept: «Повторить» checks it first


def test_an_answer_lost_after_the_whole_clip_went_out_without_a_handle_is_never_resent(fake, clip):
    # The platform gives no handle before its answer, and that answer was lost: the post may
    # exist, and sending the clip again could post it twice.
    fake.publish(upload(), fail(TransientError(status=504, body_sent=True)))
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)
    publication_execute(publication_id=pub.pk)  # a redelivery posts nothing more

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "outcome_unknown"
    assert "Проверьте Фейк" in pub.error_message
    assert len(fake.calls_of("publish")) == 1


def test_an_upload_whose_answer_was_lost_is_retried_and_can_no_longer_be_cancelled(fake, clip):
    fake.publish(
        handle(),
        upload(confirm=False),  # the platform receives the whole clip...
        fail(TransientError("Фейк не ответил вовремя.", body_sent=True)),  # ...no answer
    )
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED  # a retry will check the stored video
    assert pub.bytes_sent == pub.bytes_total > 0
    with pytest.raises(PublicationStateError, match="возможно, уже передан в Фейк"):
        publication_cancel(publication=pub)
    assert reload(pub).status == PublicationStatus.QUEUED


def test_a_retry_resumes_the_stored_handle_instead_of_creating_a_second_video(fake, clip):
    stored = uploaded_handle_json("fake-7")
    fake.publish(published())  # the platform already has it: nothing new is created
    pub = queued(clip, attempts=1, platform_handle=stored)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.PUBLISHED
    [call] = fake.calls
    assert call.method == "publish"
    assert call.resume == PlatformHandle.from_json(stored)
    assert fake.videos == {"fake-7": {"state": "published"}}  # no second video
    assert pub.platform_url == fake.link("fake-7")


# --- before the platform is called -------------------------------------------------------------


def test_an_expired_connection_fails_without_calling_the_platform(fake, clip, connection):
    connection.status = ConnectionStatus.EXPIRED
    connection.save()
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_message == "Токен истёк, переподключите платформу в настройках."
    assert fake.calls == []


def test_a_missing_connection_fails_asking_to_connect(fake, clip, connection):
    connection.delete()
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert (pub.status, pub.error_code) == ("failed", "not_connected")
    assert pub.error_message == "Подключите Фейк в настройках."
    assert fake.calls == []


def test_a_clip_file_gone_from_storage_fails_without_calling_the_platform(fake, clip):
    default_storage.delete(clip.file.name)
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert (pub.status, pub.error_code) == ("failed", "clip_file_missing")
    assert pub.error_message == "Файл клипа не найден. Загрузите клип заново."
    assert fake.calls == []


def test_a_clip_file_the_platform_cannot_read_fails_as_missing(fake, clip):
    fake.publish(handle(), fail(ClipFileMissing()))
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert (pub.status, pub.error_code) == ("failed", "clip_file_missing")
    assert pub.error_message == "Файл клипа не найден. Загрузите клип заново."


def test_a_clip_over_the_platforms_limit_fails_before_sending(fake, user):
    # The size recorded at upload fitted; the file in storage does not (the limit is checked
    # against what would really be sent).
    fake.facts(max_file_size=MB)
    clip = ClipFactory(
        owner=user, file=ContentFile(b"\0" * (MB + 1), name="big.mp4"), size_bytes=10
    )
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert (pub.status, pub.error_code) == ("failed", "file_too_big")
    assert pub.error_message.startswith("Файл слишком большой для Фейк (максимум 1 МБ)")
    assert fake.calls == []


@pytest.mark.parametrize("status", [PublicationStatus.QUEUED, PublicationStatus.SCHEDULED])
def test_a_publication_whose_owner_went_down_to_free_is_cancelled_when_it_starts(
    fake, clip, user, status
):
    from publishing.sweeps import publications_dispatch_due

    now = timezone.now()
    if status == PublicationStatus.SCHEDULED:
        pub = PublicationFactory(clip=clip, platform="fake", status=status, scheduled_at=now)
    else:
        pub = queued(clip)
    user.plan = Plan.FREE
    user.save()

    publications_dispatch_due(now=now)
    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.CANCELLED
    assert pub.error_message.startswith("Публикация недоступна на вашем тарифе")
    assert "Фейк" in pub.error_message
    assert pub.attempts == 1 and pub.claim_token is None
    assert fake.calls == []


def test_a_downgraded_owners_publication_the_platform_may_hold_fails_instead(fake, clip, user):
    # "Cancelled" must never be said of a post that may be live.
    pub = queued(clip, attempts=1, platform_handle=uploaded_handle_json())
    user.plan = Plan.FREE
    user.save()

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert (pub.status, pub.error_code) == ("failed", "plan")
    assert "возможно, уже передан в Фейк" in pub.error_message
    assert fake.calls == []


# --- tokens -------------------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_once_and_the_publish_repeated(fake, clip, connection):
    fake.publish(fail(AuthExpired()))
    fake.refresh(TokenSet(access_token="fresh-token", refresh_token="fresh-refresh"))
    fake.publish(published())
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    assert reload(pub).status == PublicationStatus.PUBLISHED
    first, second = fake.calls_of("publish")
    assert first.credentials.access_token == "access-token-value"
    assert second.credentials.access_token == "fresh-token"
    assert fake.calls_of("refresh")[0].credentials.refresh_token == "refresh-token-value"
    connection.refresh_from_db()
    assert connection.get_token("access_token") == "fresh-token"
    assert reload(pub).attempts == 1


def test_a_token_refused_again_after_a_refresh_expires_the_connection(fake, clip, connection):
    fake.publish(fail(AuthExpired()))
    fake.refresh(TokenSet(access_token="fresh-token"))
    fake.publish(fail(AuthExpired()))
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert (pub.status, pub.error_code) == ("failed", "auth_expired")
    assert pub.error_message == "Токен истёк, переподключите платформу в настройках."
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.EXPIRED


def test_a_refused_refresh_fails_and_expires_the_connection(fake, clip, connection):
    fake.publish(fail(AuthExpired()))
    fake.refresh(AuthExpired())
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert (pub.status, pub.error_code) == ("failed", "auth_expired")
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.EXPIRED
    assert len(fake.calls_of("publish")) == 1


# --- cancel requests and our own rate limiter ---------------------------------------------------


def test_a_transient_error_after_cancel_was_requested_cancels_instead_of_retrying(fake, clip):
    pub = queued(clip)

    def user_presses_cancel() -> None:
        Publication.objects.filter(pk=pub.pk).update(cancel_requested_at=timezone.now())

    fake.publish(handle(), do(user_presses_cancel), fail(TransientError(status=500)))

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.CANCELLED
    assert pub.error_message == ""


def test_a_cancel_requested_before_the_attempt_started_sends_nothing(fake, clip):
    pub = queued(clip, cancel_requested_at=timezone.now())

    publication_execute(publication_id=pub.pk)

    assert reload(pub).status == PublicationStatus.CANCELLED
    assert fake.calls == []


def test_a_late_duplicate_delivery_does_not_shorten_another_workers_back_off(
    fake, clip, monkeypatch
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
    assert fake.calls == []


def test_our_rate_limiter_re_delays_without_claiming(fake, clip, connection, settings):
    settings.PLATFORM_RATE_LIMITS_ENABLED = True
    ratelimit.reset(platform=fake.name, account=str(connection.pk))
    for _ in range(2):  # the fake platform declares a burst of 2 per account
        assert ratelimit.acquire(platform=fake.name, account=str(connection.pk)) == 0
    pub = queued(clip)

    publication_execute(publication_id=pub.pk)

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 0
    assert timezone.now() < pub.next_attempt_at < timezone.now() + timedelta(seconds=2)
    assert fake.calls == []


def test_another_clip_of_the_same_user_is_not_held_up(fake, clip):
    # Two publications to one platform run one after the other, each with its own video.
    other = queued(ClipFactory(owner=clip.owner))
    pub = queued(clip)
    fake.publish(handle(), upload(), processing()).check(published())
    fake.publish(handle(), upload(), processing()).check(published())

    publication_execute(publication_id=pub.pk)
    publication_execute(publication_id=other.pk)

    assert {reload(pub).platform_video_id, reload(other).platform_video_id} == {
        "fake-1",
        "fake-2",
    }
