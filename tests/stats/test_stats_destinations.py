"""Stats per credential: the places of one connection (a VK page and its communities) are read
in one batch with that connection's token; two accounts of a platform are read each with its
own token."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import responses
from django.utils import timezone

from platforms.constants import Platform
from publishing.models import Publication, PublicationStatus
from stats.services import stats_sync
from tests.factories import (
    ClipFactory,
    DestinationFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

VK = "https://vk.test/method"


@pytest.fixture(autouse=True)
def _urls(settings):  # type: ignore[no-untyped-def]
    settings.VK_API_URL = VK


def published(destination, owner_id: int, video_id: int) -> Publication:  # type: ignore[no-untyped-def]
    return PublicationFactory(
        clip=ClipFactory(owner=destination.connection.user),
        destination=destination,
        status=PublicationStatus.PUBLISHED,
        published_at=timezone.now(),
        platform_handle={
            "id": f"{owner_id}_{video_id}",
            "data": {"owner_id": owner_id, "video_id": video_id},
        },
    )


def answer(request):  # type: ignore[no-untyped-def]
    ids = parse_qs(request.body)["videos"][0].split(",")
    items = [
        {"owner_id": int(i.split("_")[0]), "id": int(i.split("_")[1]), "views": 5} for i in ids
    ]
    return 200, {}, json.dumps({"response": {"count": len(items), "items": items}})


def test_a_page_and_its_community_are_read_in_one_call_with_their_token():
    user = UserFactory()
    anna = PlatformConnectionFactory(
        user=user, platform=Platform.VK, account_id="7", tokens=("token-anna", "r")
    )
    page = anna.destinations.get()
    community = DestinationFactory(connection=anna, kind="community", external_id="-55")
    pubs = [published(page, 7, 1), published(community, -55, 2)]

    with responses.RequestsMock() as api:
        api.add_callback(responses.POST, f"{VK}/video.get", callback=answer)
        result = stats_sync()
        calls = list(api.calls)

    assert len(calls) == 1
    assert calls[0].request.headers["Authorization"] == "Bearer token-anna"
    assert set(parse_qs(calls[0].request.body)["videos"][0].split(",")) == {"7_1", "-55_2"}
    assert result.changed == 2
    for pub in pubs:
        pub.refresh_from_db()
        assert pub.views == 5


def test_two_accounts_of_one_user_are_read_each_with_its_own_token():
    user = UserFactory()
    first = PlatformConnectionFactory(
        user=user, platform=Platform.VK, account_id="7", tokens=("token-one", "r")
    )
    second = PlatformConnectionFactory(
        user=user, platform=Platform.VK, account_id="8", tokens=("token-two", "r")
    )
    published(first.destinations.get(), 7, 1)
    published(second.destinations.get(), 8, 2)

    with responses.RequestsMock() as api:
        api.add_callback(responses.POST, f"{VK}/video.get", callback=answer)
        stats_sync()
        calls = list(api.calls)

    asked = {
        c.request.headers["Authorization"]: parse_qs(c.request.body)["videos"][0] for c in calls
    }
    assert asked == {"Bearer token-one": "7_1", "Bearer token-two": "8_2"}
