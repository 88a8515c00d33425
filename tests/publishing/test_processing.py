"""Polling a platform that is still processing an upload (``publishing.processing``).

A processing row is ``publishing`` with its handle stored and no claim; each check asks the
scripted ``fake`` platform once and either ends the row or sends the next check itself.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from clipmaker.queues import CONTROL_QUEUE
from platforms.models import ConnectionStatus
from platforms.providers import (
    AuthExpired,
    PermanentError,
    PlatformHandle,
    RateLimited,
    Rejected,
    TokenSet,
    TransientError,
    UploadIncomplete,
)
from publishing.models import PublicationStatus
from publishing.processing import publication_check
from publishing.queue import CHECK_TASK_NAME
from publishing.rules import publication_can_retry
from publishing.services import publication_cancel_for_disconnect
from tests.fixtures.fake_provider import fail, processing, published

from .support import events, queued, reload, uploaded_handle_json

pytestmark = pytest.mark.usefixtures("engine_settings", "broker", "connection")


@pytest.fixture
def waiting(clip):  # type: ignore[no-untyped-def]
    """A clip the platform accepted a minute ago and is processing; its check is due now."""
    return queued(
        clip,
        status=PublicationStatus.PUBLISHING,
        attempts=1,
        platform_handle=uploaded_handle_json("fake-1"),
        platform_url="https://fake.example/v/fake-1",
        started_at=timezone.now() - timedelta(minutes=1),
        bytes_sent=clip.size_bytes,
    )


@pytest.fixture
def event_log(caplog):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="clipmaker.events")
    return caplog


def test_a_finished_video_is_published_with_its_link(fake, waiting, event_log):
    fake.check(published(url="https://fake.example/v/fake-1?ready"))

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert pub.status == PublicationStatus.PUBLISHED
    assert pub.platform_url == "https://fake.example/v/fake-1?ready"
    assert pub.published_at is not None and pub.finished_at is not None
    assert pub.next_attempt_at is None and pub.enqueued_at is None
    [call] = fake.calls
    assert call.handle == PlatformHandle.from_json(waiting.platform_handle)
    [success] = events(event_log, "publish_job_success")
    assert success["publication_id"] == pub.pk


def test_a_video_still_processing_sends_the_next_check_itself(fake, waiting, broker):
    fake.check(processing())
    before = timezone.now()

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert pub.status == PublicationStatus.PUBLISHING
    assert pub.claim_token is None
    # A quarter of the time spent so far (a minute): about 15 s, capped by the interval.
    assert before < pub.next_attempt_at <= timezone.now() + timedelta(seconds=10)
    [message] = broker
    assert (message.name, message.args, message.queue) == (CHECK_TASK_NAME, [pub.pk], CONTROL_QUEUE)
    assert message.eta == pub.next_attempt_at


def test_a_check_that_is_not_due_asks_nothing(fake, waiting):
    # A duplicate of a check that already ran pushed next_attempt_at forward.
    waiting.next_attempt_at = timezone.now() + timedelta(seconds=30)
    waiting.save()

    publication_check(publication_id=waiting.pk)

    assert fake.calls == []
    assert reload(waiting).status == PublicationStatus.PUBLISHING


def test_a_row_that_is_no_longer_processing_is_left_alone(fake, waiting):
    waiting.status = PublicationStatus.PUBLISHED
    waiting.save()

    publication_check(publication_id=waiting.pk)

    assert fake.calls == []


def test_an_upload_the_platform_never_got_whole_goes_back_to_retry_with_its_handle(
    fake, waiting, event_log
):
    fake.check(fail(UploadIncomplete()))
    before = timezone.now()

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.attempts == 1
    assert pub.platform_handle == waiting.platform_handle  # the next attempt resumes it
    assert 299 <= (pub.next_attempt_at - before).total_seconds() <= 302
    assert pub.error_message == UploadIncomplete.default_user_message
    [retry] = events(event_log, "publish_job_retry")
    assert retry["reason"] == "upload_incomplete"


def test_an_incomplete_upload_with_no_attempt_left_fails_with_its_event(fake, waiting, event_log):
    waiting.attempts = 4
    waiting.save()
    fake.check(fail(UploadIncomplete()))

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert (pub.status, pub.error_code) == ("failed", "transient_exhausted")
    assert pub.error_message.startswith("Не удалось опубликовать в Фейк после 4 попыток")
    [failed] = events(event_log, "publish_job_failed")
    assert (failed["publication_id"], failed["reason"]) == (pub.pk, "transient_exhausted")


def test_an_incomplete_upload_whose_cancel_was_requested_ends_cancelled_without_a_failure(
    fake, waiting, event_log
):
    # The platform says the post does not exist, so the user's cancel can be honoured; the
    # row says nothing about attempts it will never make.
    waiting.attempts = 4
    waiting.cancel_requested_at = timezone.now()
    waiting.save()
    fake.check(fail(UploadIncomplete()))

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert pub.status == PublicationStatus.CANCELLED
    assert pub.error_message == "" and pub.error_code == ""
    assert events(event_log, "publish_job_failed") == []
    assert [e["reason"] for e in events(event_log, "publish_job_cancelled")] == ["cancel_requested"]


def test_a_video_rejected_by_moderation_fails_and_cannot_be_retried(fake, waiting):
    fake.check(fail(Rejected("Фейк отклонил видео на модерации: нарушение правил.")))

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert (pub.status, pub.error_code) == ("failed", "rejected")
    assert pub.error_message == "Фейк отклонил видео на модерации: нарушение правил."
    assert not publication_can_retry(pub)


def test_a_permanent_refusal_fails_with_the_platforms_code(fake, waiting):
    fake.check(fail(PermanentError("Видео удалили. Опубликуйте клип заново.", code="not_found")))

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert (pub.status, pub.error_code) == ("failed", "not_found")
    assert pub.error_message == "Видео удалили. Опубликуйте клип заново."


def test_a_rate_limited_check_waits_as_asked_without_using_an_attempt(fake, waiting):
    fake.check(fail(RateLimited(retry_after=40)))
    before = timezone.now()

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert pub.status == PublicationStatus.PUBLISHING
    assert pub.attempts == 1
    assert 39 <= (pub.next_attempt_at - before).total_seconds() <= 42
    assert pub.enqueued_at is None  # the check sweep sends it when it is due


def test_a_platform_briefly_down_is_asked_again_later(fake, waiting, broker):
    fake.check(fail(TransientError(status=503)))

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert pub.status == PublicationStatus.PUBLISHING
    assert pub.error_message == ""
    assert [m.name for m in broker] == [CHECK_TASK_NAME]


def test_an_expired_token_is_refreshed_and_the_check_repeated(fake, waiting, connection):
    fake.check(fail(AuthExpired()))
    fake.refresh(TokenSet(access_token="fresh-token"))
    fake.check(published())

    publication_check(publication_id=waiting.pk)

    assert reload(waiting).status == PublicationStatus.PUBLISHED
    assert fake.calls_of("check")[1].credentials.access_token == "fresh-token"


def test_a_token_refused_after_a_refresh_expires_the_connection(fake, waiting, connection):
    fake.check(fail(AuthExpired()))
    fake.refresh(TokenSet(access_token="fresh-token"))
    fake.check(fail(AuthExpired()))

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert (pub.status, pub.error_code) == ("failed", "auth_expired")
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.EXPIRED


def test_processing_that_takes_too_long_fails_asking_to_look_on_the_platform(
    fake, waiting, settings
):
    settings.PUBLISH_PROCESSING_TIMEOUT_SECONDS = 30  # the upload finished a minute ago

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert (pub.status, pub.error_code) == ("failed", "processing_timeout")
    assert "Фейк слишком долго обрабатывает видео" in pub.error_message
    assert fake.calls == []


def test_an_expired_connection_fails_saying_a_retry_checks_the_uploaded_clip(
    fake, waiting, connection
):
    connection.status = ConnectionStatus.EXPIRED
    connection.save()

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert (pub.status, pub.error_code) == ("failed", "auth_expired")
    assert pub.error_message.startswith("Токен истёк")
    assert "проверит уже загруженный клип" in pub.error_message
    assert fake.calls == []


def test_a_disconnect_while_the_platform_processes_says_what_is_known(
    fake, clip, connection, waiting
):
    publication_cancel_for_disconnect(user=clip.owner, platform=fake.name)
    connection.status = ConnectionStatus.REVOKED
    connection.save()

    publication_check(publication_id=waiting.pk)

    pub = reload(waiting)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "disconnected_after_upload"
    assert "клип уже был передан платформе" in pub.error_message
    assert "Токен истёк" not in pub.error_message
    assert fake.calls == []
