"""Messages to the workers (``publishing.queue``): which task, which queue, never a long wait
on the broker, and a broker that is down loses nothing."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from clipmaker.queues import CONTROL_QUEUE, DEFAULT_QUEUE, worker_queues
from publishing.queue import (
    CHECK_TASK_NAME,
    publication_enqueue,
    publication_enqueue_check,
    publish_task_name,
)

from .support import events


def test_each_platform_has_its_own_publish_task_and_queue(fake, fake2, broker):
    assert publication_enqueue(publication_id=7, platform=fake.name)
    assert publication_enqueue(publication_id=8, platform=fake2.name)

    assert [(m.name, m.args, m.queue) for m in broker] == [
        ("publishing.tasks.publish_fake", [7], "fake"),
        ("publishing.tasks.publish_fake2", [8], "fake2"),
    ]
    assert publish_task_name(fake.name) == "publishing.tasks.publish_fake"


def test_a_worker_that_does_everything_listens_to_every_registered_platform(fake):
    queues = worker_queues()

    assert queues[:2] == [DEFAULT_QUEUE, CONTROL_QUEUE]
    assert "fake" in queues
    assert {"vk", "rutube", "dzen", "telegram"} <= set(queues)


def test_checks_go_to_the_control_queue_with_a_near_eta_only(broker):
    soon = timezone.now() + timedelta(seconds=2)

    publication_enqueue_check(publication_id=3, eta=soon)
    publication_enqueue_check(publication_id=4, eta=timezone.now() - timedelta(seconds=1))

    assert [(m.name, m.args, m.queue, m.eta) for m in broker] == [
        (CHECK_TASK_NAME, [3], CONTROL_QUEUE, soon),
        (CHECK_TASK_NAME, [4], CONTROL_QUEUE, None),  # already due: no ETA at all
    ]


@pytest.mark.django_db
def test_a_broker_that_is_down_is_logged_and_left_to_the_dispatcher(fake, monkeypatch, caplog):
    from clipmaker.celery import app

    def broker_down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(app, "send_task", broker_down)
    caplog.set_level(logging.INFO, logger="clipmaker.events")

    assert publication_enqueue(publication_id=9, platform=fake.name) is False

    [failed] = events(caplog, "publish_enqueue_failed")
    assert (failed["publication_id"], failed["error"]) == (9, "ConnectionRefusedError")
