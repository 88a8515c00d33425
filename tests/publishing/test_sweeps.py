"""The periodic sweeps (``publishing.sweeps``): dispatcher, processing-check sweep, reaper.

They move rows by what the database says is due; the platform is the scripted ``fake`` one
(whose declared facts decide what a dead worker may have left behind) and the messages they
send are recorded by ``broker``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from clipmaker.queues import CONTROL_QUEUE
from publishing.models import PublicationStatus
from publishing.queue import CHECK_TASK_NAME, publish_task_name
from publishing.sweeps import (
    publications_check_processing_due,
    publications_dispatch_due,
    publications_reap_expired_leases,
)
from tests.factories import ClipFactory, PublicationFactory

from .support import handle_json, queued, reload, uploaded_handle_json

pytestmark = pytest.mark.usefixtures("engine_settings", "broker")


def other_clip(clip):  # type: ignore[no-untyped-def]
    return ClipFactory(owner=clip.owner)


# --- dispatcher --------------------------------------------------------------------------------


def test_the_dispatcher_queues_due_scheduled_rows_and_leaves_later_ones(
    fake, clip, settings, broker
):
    settings.DISPATCH_INTERVAL_SECONDS = 2
    now = timezone.now()
    due = PublicationFactory(
        clip=clip, platform="fake", status=PublicationStatus.SCHEDULED, scheduled_at=now
    )
    soon = PublicationFactory(
        clip=other_clip(clip),
        platform="fake",
        status=PublicationStatus.SCHEDULED,
        scheduled_at=now + timedelta(seconds=1),
    )
    later = PublicationFactory(
        clip=other_clip(clip),
        platform="fake",
        status=PublicationStatus.SCHEDULED,
        scheduled_at=now + timedelta(minutes=10),
    )

    assert publications_dispatch_due(now=now) == 2

    for pub in (due, soon):
        pub = reload(pub)
        assert pub.status == PublicationStatus.QUEUED
        assert pub.queued_at == now
        assert pub.next_attempt_at == pub.scheduled_at
        assert pub.enqueued_at == now
    assert reload(later).status == PublicationStatus.SCHEDULED
    # One message per row, on the platform's own queue; the one due within the tick carries
    # its time as a short ETA.
    assert [(m.name, m.args, m.queue) for m in broker] == [
        (publish_task_name("fake"), [due.pk], "fake"),
        (publish_task_name("fake"), [soon.pk], "fake"),
    ]
    assert broker[1].eta == reload(soon).scheduled_at
    assert publications_dispatch_due(now=now) == 0  # a second beat finds nothing left
    assert len(broker) == 2


def test_the_dispatcher_resends_queued_rows_whose_message_was_lost(fake, clip, settings, broker):
    settings.PUBLISH_REDELIVER_SECONDS = 60
    now = timezone.now()
    lost = queued(clip, enqueued_at=now - timedelta(minutes=5), next_attempt_at=now)
    sent = queued(other_clip(clip), enqueued_at=now - timedelta(seconds=5))
    retry_due = queued(other_clip(clip), enqueued_at=None, next_attempt_at=now)
    retry_later = queued(
        other_clip(clip), enqueued_at=None, next_attempt_at=now + timedelta(minutes=5)
    )

    assert publications_dispatch_due(now=now) == 2

    assert reload(lost).enqueued_at == now
    assert reload(retry_due).enqueued_at == now
    assert reload(sent).enqueued_at == now - timedelta(seconds=5)
    assert reload(retry_later).enqueued_at is None
    assert sorted(m.args[0] for m in broker) == sorted([lost.pk, retry_due.pk])


def test_processing_checks_are_sent_once_when_due(fake, clip, broker):
    now = timezone.now()
    pub = PublicationFactory(
        clip=clip,
        platform="fake",
        status=PublicationStatus.PUBLISHING,
        platform_handle=uploaded_handle_json(),
        next_attempt_at=now - timedelta(seconds=1),
    )

    assert publications_check_processing_due(now=now) == 1
    assert publications_check_processing_due(now=now) == 0
    assert reload(pub).enqueued_at == now
    assert [(m.name, m.args, m.queue) for m in broker] == [
        (CHECK_TASK_NAME, [pub.pk], CONTROL_QUEUE)
    ]


# --- reaper ------------------------------------------------------------------------------------


def dead(clip, **fields):  # type: ignore[no-untyped-def]
    """A row whose worker died holding the claim (its lease ran out a second ago)."""
    defaults = {
        "status": PublicationStatus.PUBLISHING,
        "claim_token": uuid.uuid4(),
        "attempts": 1,
        "lease_expires_at": timezone.now() - timedelta(seconds=1),
    }
    return queued(clip, **{**defaults, **fields})


def test_the_reaper_returns_a_dead_workers_row_to_the_retry_path(fake, clip):
    now = timezone.now()
    pub = dead(
        clip, platform_handle=handle_json("fake-1"), lease_expires_at=now - timedelta(seconds=1)
    )
    alive = dead(other_clip(clip), lease_expires_at=now + timedelta(minutes=1))

    assert publications_reap_expired_leases(now=now) == 1

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.claim_token is None and pub.lease_expires_at is None
    assert pub.next_attempt_at == now + timedelta(seconds=300)
    assert pub.platform_handle["id"] == "fake-1"
    assert pub.error_message == "Публикация прервалась. Она повторится автоматически."
    assert reload(alive).status == PublicationStatus.PUBLISHING


def test_the_reaper_fails_a_row_whose_post_may_exist_without_a_handle(fake, clip):
    # Bytes had gone out and the platform names a post only in its answer.
    now = timezone.now()
    pub = dead(clip, bytes_sent=1024, lease_expires_at=now - timedelta(seconds=1))

    publications_reap_expired_leases(now=now)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "outcome_unknown"
    assert "Проверьте Фейк" in pub.error_message


def test_the_reaper_fails_a_row_with_no_attempts_left(fake, clip):
    now = timezone.now()
    pub = dead(clip, attempts=4, lease_expires_at=now - timedelta(seconds=1))

    publications_reap_expired_leases(now=now)

    pub = reload(pub)
    assert (pub.status, pub.error_code) == ("failed", "lease_expired")
    assert pub.error_message.startswith("Не удалось опубликовать в Фейк после 4 попыток")


def test_the_reaper_fails_a_row_whose_create_call_may_have_gone_out(fake, clip):
    # A platform whose one create call posts before any handle comes back counts no bytes
    # before it: a worker that died holding the claim may already have created the video.
    fake.facts(creates_before_handle=True)
    now = timezone.now()
    pub = dead(clip, bytes_sent=0, lease_expires_at=now - timedelta(seconds=1))

    publications_reap_expired_leases(now=now)

    pub = reload(pub)
    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "outcome_unknown"
    assert "Проверьте Фейк" in pub.error_message


def test_a_platform_that_creates_nothing_before_the_upload_is_retried_after_a_dead_worker(
    fake, clip
):
    # The same row on a platform without that fact: nothing can exist yet, so it retries.
    now = timezone.now()
    pub = dead(clip, bytes_sent=0, lease_expires_at=now - timedelta(seconds=1))

    publications_reap_expired_leases(now=now)

    assert reload(pub).status == PublicationStatus.QUEUED


def test_the_reaper_prefers_may_be_posted_to_a_cancel_request(fake, clip):
    now = timezone.now()
    asked = now - timedelta(minutes=30)
    no_handle = dead(clip, bytes_sent=1024, cancel_requested_at=asked)
    delivered = dead(
        other_clip(clip), platform_handle=uploaded_handle_json(), cancel_requested_at=asked
    )
    nothing_sent = dead(other_clip(clip), cancel_requested_at=asked)

    assert publications_reap_expired_leases(now=now) == 3

    no_handle, delivered = reload(no_handle), reload(delivered)
    assert (no_handle.status, no_handle.error_code) == ("failed", "outcome_unknown")
    assert delivered.status == PublicationStatus.QUEUED  # its next attempt checks the video
    assert reload(nothing_sent).status == PublicationStatus.CANCELLED
