"""The control API's stats helpers: pinned figures, deleted videos, seeded accounts, journal
counts — what the stats tests and bench/stats.py drive the sandbox with."""

from __future__ import annotations

import pytest

from platforms.providers import Credentials, PlatformHandle
from platforms.providers.dzen import DzenProvider
from platforms.providers.rutube import RutubeProvider
from platforms.providers.vk import VKProvider

pytestmark = pytest.mark.live


def handles(seeded) -> list[PlatformHandle]:
    return [PlatformHandle.from_json(h) for h in seeded]


def test_seeded_vk_videos_answer_video_get_with_fixed_stats(sandbox):
    creds = sandbox.control.issue_credentials("vk")
    seeded = sandbox.control.seed_videos("vk", creds["account_id"], 3)
    vk = VKProvider()
    credentials = Credentials(access_token=creds["access_token"], extra={})

    first = vk.fetch_stats(credentials=credentials, handles=handles(seeded))
    sandbox.control.advance_clock(600)  # ten minutes on: growing stats would have moved
    second = vk.fetch_stats(credentials=credentials, handles=handles(seeded))

    assert set(first) == {h["id"] for h in seeded}
    assert first == second  # seeded stats do not grow
    assert all(s.views > 0 for s in first.values())


def test_pinned_stats_are_served_and_unpinned_ones_grow_again(sandbox):
    creds = sandbox.control.issue_credentials("rutube")
    [seeded] = sandbox.control.seed_videos("rutube", creds["account_id"], 1)
    rutube = RutubeProvider()
    credentials = Credentials(access_token=creds["token"])

    sandbox.control.set_video_stats("rutube", seeded["id"], views=7, likes=2)
    pinned = rutube.fetch_stats(credentials=credentials, handles=handles([seeded]))

    assert (pinned[seeded["id"]].views, pinned[seeded["id"]].likes) == (7, 2)
    sandbox.control.set_video_stats("rutube", seeded["id"])  # unpin: grows with age again
    assert (
        rutube.fetch_stats(credentials=credentials, handles=handles([seeded]))[seeded["id"]].views
        > 7
    )
    with pytest.raises(ValueError, match="unknown figures"):
        sandbox.control.set_video_stats("rutube", seeded["id"], plays=1)


@pytest.mark.parametrize("platform", ["vk", "rutube", "dzen"])
def test_a_removed_video_is_left_out_of_stats(sandbox, platform):
    creds = sandbox.control.issue_credentials(platform)
    kept, removed = sandbox.control.seed_videos(platform, creds["account_id"], 2)
    token = creds.get("access_token") or creds["token"]
    provider = {"vk": VKProvider, "rutube": RutubeProvider, "dzen": DzenProvider}[platform]()

    assert sandbox.control.remove_video(platform, removed["id"].split("_")[-1]) is True
    stats = provider.fetch_stats(
        credentials=Credentials(access_token=token), handles=handles([kept, removed])
    )

    assert set(stats) == {kept["id"]}


def test_journal_counts_requests_since_a_mark(sandbox):
    creds = sandbox.control.issue_credentials("dzen")
    seeded = sandbox.control.seed_videos("dzen", creds["account_id"], 150)
    mark = sandbox.control.journal_last_id()

    DzenProvider().fetch_stats(
        credentials=Credentials(access_token=creds["access_token"]), handles=handles(seeded)
    )

    assert sandbox.control.journal_count("dzen", since_id=mark) == 2  # 100 ids per call
    assert sandbox.control.journal_count("vk", since_id=mark) == 0
