"""End to end: a real Celery worker, the dispatcher loop and the sandbox over HTTP."""

from __future__ import annotations

import pytest

from platforms.constants import Platform
from publishing.models import Publication, PublicationStatus
from publishing.services import publication_create
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
