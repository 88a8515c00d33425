"""Control work never waits behind uploads: with both upload slots busy, the beat's dispatcher
and reaper run at once on the control worker (real worker processes, the production split of
``make run`` and docker-compose)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from clipmaker.queues import CONTROL_CONCURRENCY, CONTROL_QUEUE, upload_queues
from clipmaker.schedules import Periodic, periodic_tasks
from platforms.constants import Platform
from publishing import rules
from publishing.models import Publication, PublicationStatus
from publishing.services import publication_create
from tests.factories import ClipFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.live]

UPLOAD_SECONDS = 20  # how long the sandbox holds each upload
ON_TIME = 5.0  # what "at once" allows a 2-core CI machine (a tick, the broker, the query)


def _beat_sends(name: str) -> None:
    """Send one periodic task exactly as the beat does (its queue and expiry)."""
    from clipmaker.celery import app

    entry: Periodic = next(p for p in periodic_tasks() if p.name == name)
    app.send_task(entry.task, queue=entry.queue, expires=entry.expire_seconds, ignore_result=True)


def _later(user: Any) -> Publication:
    """A VK publication scheduled an hour ahead (no message on the broker)."""
    clip = ClipFactory(owner=user)
    [pub] = publication_create(
        user=user,
        clip=clip,
        platforms=[Platform.VK],
        scheduled_at=timezone.now() + timedelta(hours=1),
    )
    return pub


def test_the_dispatcher_and_the_reaper_run_on_time_while_both_slots_upload(
    sandbox, connect, worker_factory
):
    uploads = worker_factory(dispatcher=False, queues=upload_queues(), concurrency=2)
    control = worker_factory(
        dispatcher=False, queues=[CONTROL_QUEUE], concurrency=CONTROL_CONCURRENCY
    )
    sandbox.control.inject("vk", "slow", count=2, method="upload", delay=UPLOAD_SECONDS)
    busy = []
    for _ in range(2):
        user = UserFactory()
        connect(user, Platform.VK)
        [pub] = publication_create(user=user, clip=ClipFactory(owner=user), platforms=["vk"])
        busy.append(pub.pk)
    uploading = Publication.objects.filter(
        pk__in=busy, status=PublicationStatus.PUBLISHING, platform_handle__isnull=False
    )
    uploads.wait_for(lambda: uploading.count() == 2, timeout=30)

    owner = UserFactory()
    connect(owner, Platform.VK)
    due = _later(owner)
    Publication.objects.filter(pk=due.pk).update(scheduled_at=timezone.now())
    dead = _later(owner)
    Publication.objects.filter(pk=dead.pk).update(
        status=PublicationStatus.PUBLISHING,  # a worker died holding it: the lease ran out
        claim_token=uuid.uuid4(),
        lease_expires_at=timezone.now() - timedelta(seconds=1),
        started_at=timezone.now() - timedelta(seconds=60),
        attempts=1,
    )

    started = time.monotonic()
    _beat_sends("clipmaker:reap")
    _beat_sends("clipmaker:dispatch")
    control.wait_for(
        lambda: Publication.objects.filter(pk__in=[due.pk, dead.pk], status="queued").count() == 2,
        timeout=ON_TIME,
    )
    took = time.monotonic() - started

    assert uploading.count() == 2, "the uploads were still holding both slots"
    assert took < ON_TIME
    dead.refresh_from_db()
    assert (dead.claim_token, dead.error_message) == (None, rules.INTERRUPTED_MESSAGE)
    due.refresh_from_db()
    assert due.enqueued_at is not None  # sent to the (busy) upload queue, in its turn
