"""A publish through a real worker process moves the web's /metrics, and the request id of the
click follows the work into the worker's log lines."""

from __future__ import annotations

import json
import time

import pytest

from publishing.models import Publication, PublicationStatus
from tests.factories import ClipFactory, UserFactory
from tests.ops.metrics_support import scrape, value
from tests.publishing.conftest import sandbox_connection

pytestmark = [pytest.mark.integration, pytest.mark.live]


def _lines(log: str) -> list[dict]:
    lines = []
    for raw in log.splitlines():
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
    return lines


def test_a_publish_through_a_real_worker_moves_the_web_metrics(sandbox, worker_factory, client):
    started = time.time()
    worker = worker_factory(env={"LOG_FORMAT": "json"})
    user = UserFactory()
    clip = ClipFactory(owner=user)
    sandbox_connection(sandbox.control, user=user, platform="vk")
    before = scrape(client)
    client.force_login(user)

    response = client.post(
        f"/api/v1/clips/{clip.pk}/publish/", {"platforms": ["vk"]}, content_type="application/json"
    )

    assert response.status_code == 201, response.content
    request_id = response["X-Request-ID"]
    worker.wait_for(
        lambda: Publication.objects.filter(clip=clip, status=PublicationStatus.PUBLISHED).exists()
    )
    client.logout()
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # Counted by the worker process, read by the web process.
    assert delta("clipmaker_publications_total", platform="vk", outcome="published") == 1
    assert delta("clipmaker_publish_attempts_total", platform="vk") == 1
    assert delta("clipmaker_publish_latency_seconds_count", platform="vk") == 1
    assert delta("clipmaker_publish_latency_seconds_sum", platform="vk") > 0
    assert value(after, "clipmaker_worker_heartbeat_timestamp_seconds", queue="vk") >= started
    # The click's request id is on the worker's lines for that publication.
    worker_lines = _lines(worker.log)
    start = [line for line in worker_lines if line.get("event") == "publish_job_start"]
    assert start and start[0]["request_id"] == request_id
    assert start[0]["task"] == "publishing.tasks.publish_vk"
    assert start[0]["task_id"]
