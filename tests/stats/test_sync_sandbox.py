"""The stats sync against the sandbox over real HTTP: VK, Rutube and Дзен together, the
minimum of calls, nothing written when nothing changed, deleted videos, an expired token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from platforms.models import ConnectionStatus, PlatformConnection
from publishing.models import Publication
from stats.models import StatsSnapshot
from stats.services import stats_sync
from tests.factories import PlatformConnectionFactory
from tests.stats.conftest import published, reload

pytestmark = pytest.mark.live


def connect(sandbox, platform: str, **params) -> PlatformConnection:
    creds = sandbox.control.issue_credentials(platform, **params)
    access = creds.get("access_token") or creds["token"]
    extra = {"device_id": creds["device_id"]} if "device_id" in creds else {}
    return PlatformConnectionFactory(
        platform=platform,
        account_id=creds["account_id"],
        tokens=(access, creds.get("refresh_token")),
        extra=extra,
    )


def publish_seeded(sandbox, connection: PlatformConnection, count: int) -> list[Publication]:
    seeded = sandbox.control.seed_videos(connection.platform, connection.account_id, count)
    return [published(connection, h["id"]) for h in seeded]


def test_vk_rutube_and_dzen_in_one_run_then_nothing_written_when_nothing_changed(sandbox):
    pubs = {
        platform: publish_seeded(sandbox, connect(sandbox, platform), 3)
        for platform in ("vk", "rutube", "dzen")
    }
    mark = sandbox.control.journal_last_id()

    first = stats_sync()

    assert (first.changed, first.failed) == (9, 0)
    calls = {p: sandbox.control.journal_count(p, since_id=mark) for p in pubs}
    assert calls == {"vk": 1, "rutube": 3, "dzen": 1}  # VK and Дзен batch; Rutube cannot
    for platform, rows in pubs.items():
        video = sandbox.control.video(platform, rows[0].platform_handle["id"].split("_")[-1])
        assert reload(rows[0]).views == video["stats"]["views"]
    snapshots = StatsSnapshot.objects.count()

    again = stats_sync(now=timezone.now() + timedelta(hours=2))

    assert (again.unchanged, again.changed) == (9, 0)
    assert StatsSnapshot.objects.count() == snapshots


def test_a_video_deleted_on_each_platform_ends_gone(sandbox):
    rows = {p: publish_seeded(sandbox, connect(sandbox, p), 2) for p in ("vk", "rutube", "dzen")}
    now = timezone.now()
    stats_sync(now=now)
    for platform, (_, deleted) in rows.items():
        sandbox.control.remove_video(platform, deleted.platform_handle["id"].split("_")[-1])

    stats_sync(now=now + timedelta(hours=1))
    result = stats_sync(now=now + timedelta(hours=1, minutes=10))

    assert result.gone == 3
    for kept, deleted in rows.values():
        assert reload(deleted).stats_track.gone_at is not None
        assert reload(kept).stats_track.gone_at is None


def test_an_expired_vk_token_is_refreshed_through_vk_id(sandbox):
    conn = connect(sandbox, "vk", ttl=60)
    [pub] = publish_seeded(sandbox, conn, 1)
    sandbox.control.advance_clock(120)  # the access token has expired

    result = stats_sync()

    assert (result.changed, result.expired_connections) == (1, 0)
    stored = PlatformConnection.objects.get(pk=conn.pk)
    assert stored.status == ConnectionStatus.ACTIVE
    assert stored.get_token("access_token") != conn.get_token("access_token")
    methods = [e["method"] for e in sandbox.control.journal("vk")]
    assert methods[-2:] == ["video.get", "video.get"]
    assert [e["method"] for e in sandbox.control.journal("vkid")] == ["token"]
    assert reload(pub).views is not None
