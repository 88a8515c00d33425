"""The destinations migration, forward and back, on a database holding real-shaped data.

A database at the schema before destinations (one connection per user and platform,
publications by platform) migrates forward: every connection becomes one connection with one
destination, every publication points at its place and keeps its link, handle and stats. It
migrates back with nothing lost: connections and publications read exactly as before.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

MINE = [
    ("accounts", "0003_user_destination_limit"),
    ("platforms", "0004_destination"),
    ("publishing", "0005_publication_destination"),
]
CONNECTION_FIELDS = (
    "id",
    "user_id",
    "platform",
    "status",
    "account_id",
    "account_name",
    "access_token_sealed",
    "refresh_token_sealed",
    "expires_at",
    "extra",
    "connected_at",
    "last_checked_at",
    "last_check_ok",
    "last_error",
)
PUBLICATION_FIELDS = (
    "id",
    "clip_id",
    "platform",
    "status",
    "title",
    "scheduled_at",
    "published_at",
    "attempts",
    "platform_handle",
    "platform_video_id",
    "platform_url",
    "error_message",
    "views",
    "likes",
    "comments",
    "shares",
    "stats_updated_at",
)


def _before() -> list[tuple[str, str]]:
    """The apps this change touches at the migration just before it (whatever it is named
    now), every other app at its latest."""
    graph = MigrationExecutor(connection).loader.graph
    before = {
        node[0]: next(p.key for p in graph.node_map[node].parents if p.key[0] == node[0])
        for node in MINE
    }
    return [before.get(app, (app, name)) for app, name in graph.leaf_nodes()]


def _head() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate to ``targets`` and return the historical apps there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_apps() -> Any:
    apps = _migrate(_before())
    yield apps
    _migrate(_head())  # leave the database as every other test expects it


def _seed(apps: Any) -> dict[str, Any]:
    User = apps.get_model("accounts", "User")
    Clip = apps.get_model("clips", "Clip")
    Conn = apps.get_model("platforms", "PlatformConnection")
    Pub = apps.get_model("publishing", "Publication")
    Snapshot = apps.get_model("stats", "StatsSnapshot")
    now = timezone.now().replace(microsecond=0)
    anna = User.objects.create(username="anna", plan="pro")
    boris = User.objects.create(username="boris", plan="start")
    vera = User.objects.create(username="vera", plan="pro")

    def conn(user: Any, platform: str, **kw: Any) -> Any:
        kw.setdefault("status", "active")
        return Conn.objects.create(
            user=user,
            platform=platform,
            access_token_sealed=f"v1.key.nonce.sealed-{user.username}-{platform}",
            connected_at=now - timedelta(days=3),
            **kw,
        )

    conns = {
        "vk": conn(
            anna,
            "vk",
            account_id="777",
            account_name="Анна Клипова",
            refresh_token_sealed="v1.key.nonce.refresh",
            expires_at=now + timedelta(hours=1),
            extra={"device_id": "dev-1", "vk_mode": "clip"},
        ),
        "telegram": conn(
            anna,
            "telegram",
            account_id="-1001234567890",
            account_name="Мой канал",
            extra={
                "chat_id": -1001234567890,
                "chat_username": "my_channel",
                "bot_id": 7001,
                "bot_username": "clip_bot",
            },
            last_checked_at=now,
            last_check_ok=True,
        ),
        "rutube": conn(anna, "rutube", account_id="rt-9", account_name="Rutube Анны"),
        "dzen": conn(anna, "dzen", account_id="dz-1", account_name="Дзен Анны", status="revoked"),
        "community": conn(
            boris,
            "vk",
            account_id="888",
            account_name="Борис",
            extra={"group_id": 555, "device_id": "dev-2"},
        ),
    }
    conns["dzen"].access_token_sealed = ""
    conns["dzen"].save()

    def clip(user: Any, title: str) -> Any:
        return Clip.objects.create(
            owner=user, title=title, file=f"clips/{title}.mp4", size_bytes=1000, status="ready"
        )

    a1, a2, b1, v1 = clip(anna, "a1"), clip(anna, "a2"), clip(boris, "b1"), clip(vera, "v1")
    published = Pub.objects.create(
        clip=a1,
        platform="vk",
        status="published",
        title="Закат",
        published_at=now,
        attempts=1,
        platform_handle={"id": "777_456", "data": {"owner_id": 777, "video_id": 456}},
        platform_video_id="777_456",
        platform_url="https://vk.com/clip777_456",
        views=120,
        likes=7,
        comments=2,
        shares=1,
        stats_updated_at=now,
    )
    Snapshot.objects.create(publication=published, collected_at=now, views=120, likes=7)
    pubs = {
        "published": published,
        "scheduled": Pub.objects.create(
            clip=a1,
            platform="telegram",
            status="scheduled",
            title="Закат",
            scheduled_at=now + timedelta(days=1),
        ),
        "queued": Pub.objects.create(clip=a2, platform="rutube", status="queued", title="a2"),
        "cancelled": Pub.objects.create(
            clip=a2, platform="dzen", status="cancelled", title="a2", error_message="Отключён"
        ),
        "community": Pub.objects.create(
            clip=b1,
            platform="vk",
            status="failed",
            title="b1",
            attempts=4,
            error_message="VK недоступен",
        ),
        # Its owner's connection row is gone (deleted by hand): it must survive too.
        "orphan": Pub.objects.create(clip=v1, platform="rutube", status="published", title="v1"),
    }
    return {"conns": conns, "pubs": pubs, "users": (anna, boris, vera)}


def _rows(model: Any, fields: tuple[str, ...], ids: list[Any]) -> dict[Any, dict[str, Any]]:
    return {row["id"]: row for row in model.objects.filter(pk__in=ids).values(*fields)}


def test_forward_gives_each_connection_its_place_and_each_publication_its_destination(old_apps):
    seeded = _seed(old_apps)
    conns, pubs = seeded["conns"], seeded["pubs"]

    apps = _migrate(_head())

    Conn = apps.get_model("platforms", "PlatformConnection")
    Dest = apps.get_model("platforms", "Destination")
    Pub = apps.get_model("publishing", "Publication")
    Snapshot = apps.get_model("stats", "StatsSnapshot")
    place = {key: Dest.objects.get(connection_id=c.pk) for key, c in conns.items()}
    assert (place["vk"].kind, place["vk"].external_id, place["vk"].name) == (
        "page",
        "777",
        "Анна Клипова",
    )
    assert place["vk"].extra == {}
    assert (place["community"].kind, place["community"].external_id) == ("community", "-555")
    assert place["community"].extra == {"group_id": 555}
    assert (place["telegram"].kind, place["telegram"].external_id, place["telegram"].name) == (
        "channel",
        "-1001234567890",
        "Мой канал",
    )
    assert place["telegram"].extra == {"chat_id": -1001234567890, "chat_username": "my_channel"}
    assert place["telegram"].last_check_ok is True
    assert (place["rutube"].kind, place["rutube"].removed_at) == ("channel", None)
    assert place["dzen"].removed_at is not None  # revoked: its place is gone, its history kept
    # The Telegram connection is now the bot; place keys left the connections' settings.
    bot = Conn.objects.get(pk=conns["telegram"].pk)
    assert (bot.account_id, bot.account_name) == ("7001", "@clip_bot")
    assert bot.extra == {"bot_id": 7001, "bot_username": "clip_bot"}
    assert Conn.objects.get(pk=conns["community"].pk).extra == {"device_id": "dev-2"}
    assert Conn.objects.get(pk=conns["vk"].pk).extra == {"device_id": "dev-1", "vk_mode": "clip"}
    # Tokens are untouched.
    assert Conn.objects.get(pk=conns["vk"].pk).access_token_sealed == (
        conns["vk"].access_token_sealed
    )
    # Every publication points at its place, with its link, handle and stats.
    expected = {
        "published": place["vk"],
        "scheduled": place["telegram"],
        "queued": place["rutube"],
        "cancelled": place["dzen"],
        "community": place["community"],
    }
    for key, destination in expected.items():
        assert Pub.objects.get(pk=pubs[key].pk).destination_id == destination.pk, key
    moved = Pub.objects.get(pk=pubs["published"].pk)
    assert moved.platform_url == "https://vk.com/clip777_456"
    assert moved.platform_handle == {"id": "777_456", "data": {"owner_id": 777, "video_id": 456}}
    assert (moved.views, moved.likes, moved.comments, moved.shares) == (120, 7, 2, 1)
    assert Snapshot.objects.filter(publication_id=moved.pk, views=120).exists()
    orphan = Pub.objects.get(pk=pubs["orphan"].pk)
    stand_in = Dest.objects.get(pk=orphan.destination_id)
    assert stand_in.removed_at is not None
    assert Conn.objects.get(pk=stand_in.connection_id).status == "revoked"
    assert Pub.objects.count() == len(pubs)


def test_back_restores_connections_and_publications_exactly(old_apps):
    seeded = _seed(old_apps)
    Conn = old_apps.get_model("platforms", "PlatformConnection")
    Pub = old_apps.get_model("publishing", "Publication")
    conn_ids = [c.pk for c in seeded["conns"].values()]
    pub_ids = [p.pk for p in seeded["pubs"].values()]
    before_conns = _rows(Conn, CONNECTION_FIELDS, conn_ids)
    before_pubs = _rows(Pub, PUBLICATION_FIELDS, pub_ids)

    _migrate(_head())
    apps = _migrate(_before())

    Conn = apps.get_model("platforms", "PlatformConnection")
    Pub = apps.get_model("publishing", "Publication")
    Snapshot = apps.get_model("stats", "StatsSnapshot")
    assert _rows(Conn, CONNECTION_FIELDS, conn_ids) == before_conns
    assert _rows(Pub, PUBLICATION_FIELDS, pub_ids) == before_pubs
    assert Snapshot.objects.filter(publication_id=seeded["pubs"]["published"].pk).count() == 1


def test_back_keeps_one_connection_and_one_active_publication_per_platform(old_apps):
    seeded = _seed(old_apps)
    anna = seeded["users"][0]
    apps = _migrate(_head())
    Conn = apps.get_model("platforms", "PlatformConnection")
    Dest = apps.get_model("platforms", "Destination")
    Pub = apps.get_model("publishing", "Publication")
    # At the new schema Anna adds a second VK account and a community, and queues one clip
    # to both VK places.
    first_vk = Conn.objects.get(user_id=anna.pk, platform="vk")
    page = Dest.objects.get(connection=first_vk)
    community = Dest.objects.create(
        connection=first_vk, kind="community", external_id="-42", extra={"group_id": 42}
    )
    second = Conn.objects.create(
        user_id=anna.pk,
        platform="vk",
        account_id="999",
        account_name="Второй аккаунт",
        status="expired",
        connected_at=timezone.now() - timedelta(days=10),
    )
    Dest.objects.create(connection=second, kind="page", external_id="999")
    clip = seeded["pubs"]["queued"].clip_id
    older = Pub.objects.create(clip_id=clip, destination=page, platform="vk", status="queued")
    newer = Pub.objects.create(
        clip_id=clip, destination=community, platform="vk", status="scheduled"
    )

    apps = _migrate(_before())

    Conn = apps.get_model("platforms", "PlatformConnection")
    Pub = apps.get_model("publishing", "Publication")
    (kept,) = Conn.objects.filter(user_id=anna.pk, platform="vk")
    assert kept.pk == first_vk.pk  # the live one, not the expired
    assert kept.extra == {"device_id": "dev-1", "vk_mode": "clip"}  # its page's settings
    assert Pub.objects.get(pk=older.pk).status == "queued"
    cancelled = Pub.objects.get(pk=newer.pk)
    assert cancelled.status == "cancelled"
    assert "другое место" in cancelled.error_message
