"""The pages, partial and API lists cost the same number of queries for 10 rows as for 50/100."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from platforms.constants import Platform
from platforms.providers import platform_values
from publishing.models import PublicationStatus
from tests.factories import ClipFactory, PublicationFactory, StatsSnapshotFactory

pytestmark = pytest.mark.django_db

STATUSES = list(PublicationStatus.values)


def _publications(clip, n: int) -> None:
    # Only one active publication per clip and platform is allowed; the rest are final.
    final = [PublicationStatus.PUBLISHED, PublicationStatus.FAILED, PublicationStatus.CANCELLED]
    for i in range(n):
        platform = platform_values()[i % 4]
        status = PublicationStatus.PUBLISHING if i < 4 else final[i % 3]
        PublicationFactory(clip=clip, platform=platform, status=status, views=i, likes=1)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_clip_page_queries_do_not_grow_with_publications(client_in, user, connected):
    small, large = ClipFactory(owner=user), ClipFactory(owner=user)
    _publications(small, 10)
    _publications(large, 50)

    assert _count(client_in, f"/clips/{small.pk}/") == _count(client_in, f"/clips/{large.pk}/")
    assert _count(client_in, f"/clips/{small.pk}/publications/") == _count(
        client_in, f"/clips/{large.pk}/publications/"
    )


def test_clip_partial_is_cheap(client_in, user):
    clip = ClipFactory(owner=user)
    _publications(clip, 50)
    # session + user + clip + publications + the stats snapshots of all of them (one query)
    assert _count(client_in, f"/clips/{clip.pk}/publications/") <= 5


def _clips(user, n: int) -> None:
    for clip in ClipFactory.create_batch(n, owner=user):
        PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.PUBLISHED)
        PublicationFactory(clip=clip, platform=Platform.TELEGRAM, status=PublicationStatus.FAILED)


def test_clip_list_queries_do_not_grow_with_clips(client_in, user):
    _clips(user, 10)
    ten = _count(client_in, "/clips/")
    _clips(user, 90)
    # 100 clips: the first page renders 50 of them, the second the other 50.
    assert _count(client_in, "/clips/") == ten
    assert _count(client_in, "/clips/?page=2") == ten


def _clips_in_flight(user, n: int) -> None:
    for clip in ClipFactory.create_batch(n, owner=user):
        PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.PUBLISHING)
        PublicationFactory(clip=clip, platform=Platform.DZEN, status=PublicationStatus.QUEUED)
        PublicationFactory(clip=clip, platform=Platform.TELEGRAM, status=PublicationStatus.FAILED)


def test_clip_table_partial_queries_do_not_grow_with_clips(client_in, user):
    _clips_in_flight(user, 10)
    ten = _count(client_in, "/clips/table/")
    _clips_in_flight(user, 90)
    # 100 clips: the first page renders 50 of them, the second the other 50.
    assert _count(client_in, "/clips/table/") == ten
    assert _count(client_in, "/clips/table/?page=2") == ten
    # session + user + clip count + clips + their publications
    assert ten <= 5


def test_clip_page_queries_do_not_grow_with_stats_history(client_in, user):
    small, large = ClipFactory(owner=user), ClipFactory(owner=user)
    _publications(small, 10)
    _publications(large, 50)
    for clip, per_publication in ((small, 2), (large, 8)):
        for publication in clip.publications.filter(status=PublicationStatus.PUBLISHED):
            StatsSnapshotFactory.create_batch(per_publication, publication=publication)

    assert _count(client_in, f"/clips/{small.pk}/") == _count(client_in, f"/clips/{large.pk}/")
    assert _count(client_in, f"/clips/{small.pk}/publications/") == _count(
        client_in, f"/clips/{large.pk}/publications/"
    )


def test_api_clip_list_queries_do_not_grow_with_clips(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    _clips(user, 10)
    ten = _count(api, "/api/v1/clips/")
    _clips(user, 40)
    assert _count(api, "/api/v1/clips/") == ten
