"""stats_sync: batched platform reads, one bulk write, history kept, Telegram skipped."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import responses
from django.utils import timezone

from platforms.constants import Platform
from publishing.models import PublicationStatus
from stats.models import StatsSnapshot
from stats.services import stats_sync
from tests.factories import ClipFactory, PlatformConnectionFactory, PublicationFactory
from tests.fixtures.platform_urls import fake_url

pytestmark = pytest.mark.django_db

VK = fake_url("VK_API_URL")


@pytest.fixture(autouse=True)
def _urls(fake_platform_urls):
    return fake_platform_urls


def published_vk(owner, n: int, *, updated=None):
    pubs = []
    for i in range(n):
        pubs.append(
            PublicationFactory(
                clip=ClipFactory(owner=owner),
                platform=Platform.VK,
                status=PublicationStatus.PUBLISHED,
                published_at=timezone.now(),
                platform_handle={"id": f"-1_{i + 1}", "data": {"owner_id": -1, "video_id": i + 1}},
                stats_updated_at=updated,
            )
        )
    return pubs


def vk_video_get(request):
    params = parse_qs(request.body) if request.body else parse_qs(request.url.split("?", 1)[1])
    ids = params["videos"][0].split(",")
    # Video -1_2 was deleted on VK: it is left out of the answer.
    items = [
        {
            "owner_id": int(i.split("_")[0]),
            "id": int(i.split("_")[1]),
            "views": 100 + n,
            "comments": 3,
            "likes": {"count": 10},
            "reposts": {"count": 2},
        }
        for n, i in enumerate(ids)
        if i != "-1_2"
    ]
    return 200, {}, json.dumps({"response": {"count": len(items), "items": items}})


@responses.activate
def test_sync_updates_due_publications_in_batches_and_keeps_history():
    conn = PlatformConnectionFactory(platform=Platform.VK)
    pubs = published_vk(conn.user, 3)
    responses.add_callback(responses.POST, f"{VK}/video.get", callback=vk_video_get)
    responses.add_callback(responses.GET, f"{VK}/video.get", callback=vk_video_get)

    result = stats_sync()

    assert len(responses.calls) == 1
    assert result.publications == 3
    assert result.updated == 2
    first = type(pubs[0]).objects.get(pk=pubs[0].pk)
    assert (first.views, first.likes, first.comments, first.shares) == (100, 10, 3, 2)
    assert first.stats_updated_at is not None
    deleted = type(pubs[1]).objects.get(pk=pubs[1].pk)
    assert deleted.views is None and deleted.stats_updated_at is not None
    assert StatsSnapshot.objects.filter(publication=first).count() == 1


@responses.activate
def test_fresh_publications_and_telegram_are_not_fetched():
    conn = PlatformConnectionFactory(platform=Platform.VK)
    published_vk(conn.user, 2, updated=timezone.now() - timedelta(minutes=10))
    tg = PlatformConnectionFactory(user=conn.user, platform=Platform.TELEGRAM)
    PublicationFactory(
        clip=ClipFactory(owner=tg.user),
        platform=Platform.TELEGRAM,
        status=PublicationStatus.PUBLISHED,
        platform_handle={"id": "-100_5", "data": {}},
    )
    result = stats_sync()
    assert result.publications == 0
    assert len(responses.calls) == 0


@responses.activate
def test_a_platform_error_skips_that_connection_and_leaves_figures_untouched():
    conn = PlatformConnectionFactory(platform=Platform.VK)
    pubs = published_vk(conn.user, 1)
    body = {"error": {"error_code": 5, "error_msg": "User authorization failed"}}
    responses.add(responses.POST, f"{VK}/video.get", json=body)
    responses.add(responses.GET, f"{VK}/video.get", json=body)
    result = stats_sync()
    assert result.failed_connections == 1
    fresh = type(pubs[0]).objects.get(pk=pubs[0].pk)
    assert fresh.stats_updated_at is None
    assert not StatsSnapshot.objects.exists()
