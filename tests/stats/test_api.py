"""API: a publication's ``stats`` object (states beyond the contract) and the history pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from platforms.models import ConnectionStatus
from publishing.models import PublicationStatus
from stats.selectors import HISTORY_PAGE_MAX
from tests.api.conftest import api  # noqa: F401
from tests.factories import PublicationFactory, StatsSnapshotFactory, StatsTrackFactory
from tests.pages.conftest import _private_cache, clip, connected, other_clip, user  # noqa: F401

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def published(clip, platform="vk", **kwargs):  # noqa: F811
    return PublicationFactory(
        clip=clip, platform=platform, status=PublicationStatus.PUBLISHED, **kwargs
    )


def history(pub, n: int) -> None:
    for i in range(n):
        StatsSnapshotFactory(publication=pub, collected_at=T0 + timedelta(hours=i), views=i)


def test_history_pages_by_since_oldest_first(api, clip):  # noqa: F811
    pub = published(clip)
    history(pub, 5)
    url = f"/api/v1/publications/{pub.pk}/stats/"

    first = api.get(url, {"limit": 2}).json()
    second = api.get(url, {"limit": 2, "since": first["next_since"]}).json()
    last = api.get(url, {"limit": 2, "since": second["next_since"]}).json()

    assert [p["views"] for p in first["history"]] == [0, 1]
    assert first["next_since"] == "2030-01-01T13:00:00+03:00"
    assert [p["views"] for p in second["history"]] == [2, 3]
    assert [p["views"] for p in last["history"]] == [4]
    assert last["next_since"] is None


def test_history_page_is_bounded(api, clip, settings):  # noqa: F811
    pub = published(clip)
    history(pub, 3)
    response = api.get(f"/api/v1/publications/{pub.pk}/stats/", {"limit": HISTORY_PAGE_MAX + 1})
    assert response.status_code == 400
    assert response.json() == {"errors": {"limit": ["Укажите число от 1 до 1000."]}}


def test_a_bad_since_is_a_clear_error(api, clip):  # noqa: F811
    pub = published(clip)
    response = api.get(f"/api/v1/publications/{pub.pk}/stats/", {"since": "вчера"})
    assert response.status_code == 400
    assert "ISO 8601" in response.json()["errors"]["since"][0]


def test_since_with_an_offset_in_the_query_string(api, clip):  # noqa: F811
    pub = published(clip)
    history(pub, 3)
    # An unescaped "+" arrives as a space: the offset still counts.
    url = f"/api/v1/publications/{pub.pk}/stats/?since=2030-01-01T13:30:00+05:00"
    data = api.get(url).json()
    assert [p["views"] for p in data["history"]] == [0, 1, 2]  # after 08:30 UTC


def test_stats_object_says_when_a_video_is_gone(api, clip):  # noqa: F811
    pub = published(clip, views=40, likes=4, comments=0, shares=1, stats_updated_at=T0)
    StatsTrackFactory(publication=pub, checked_at=T0, gone_at=T0 + timedelta(hours=2))

    stats = api.get(f"/api/v1/publications/{pub.pk}/").json()["stats"]

    assert stats["state"] == "gone"
    assert (stats["views"], stats["updated_at"]) == (40, "2030-01-01T12:00:00+03:00")


def test_stats_object_says_when_the_connection_needs_reconnecting(api, clip, connected):  # noqa: F811
    conn = connected["vk"]
    conn.status = ConnectionStatus.EXPIRED
    conn.save()
    pub = published(clip, views=3, likes=0, comments=0, shares=0, stats_updated_at=T0)
    StatsTrackFactory(publication=pub, connection=conn, checked_at=T0)

    stats = api.get(f"/api/v1/publications/{pub.pk}/").json()["stats"]

    assert stats["state"] == "connection_inactive"


def test_updated_at_is_the_last_confirmation_and_changed_at_the_last_change(api, clip, connected):  # noqa: F811
    pub = published(clip, views=3, likes=0, comments=0, shares=0, stats_updated_at=T0)
    StatsTrackFactory(
        publication=pub, connection=connected["vk"], checked_at=T0 + timedelta(hours=5)
    )

    stats = api.get(f"/api/v1/publications/{pub.pk}/").json()["stats"]

    assert stats["updated_at"] == "2030-01-01T17:00:00+03:00"
    assert stats["changed_at"] == "2030-01-01T12:00:00+03:00"
    assert stats["state"] == "ok"


def test_no_stats_object_before_the_first_answer(api, clip, connected):  # noqa: F811
    pub = published(clip)
    StatsTrackFactory(publication=pub, connection=connected["vk"], checked_at=None)
    assert api.get(f"/api/v1/publications/{pub.pk}/").json()["stats"] is None


def test_history_of_another_users_publication_is_404(api, other_clip):  # noqa: F811
    pub = published(other_clip)
    history(pub, 1)
    response = api.get(f"/api/v1/publications/{pub.pk}/stats/")
    assert response.status_code == 404
