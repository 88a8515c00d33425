"""Python control API of the sandbox (the same is served over HTTP at ``/sandbox/_control/``).

    from platforms.sandbox import control
    control.reset()
    control.inject("vk", "rate_limit", count=2, method="video.save", code=9)
    creds = control.issue_credentials("telegram")      # bot token + a channel it can post to
    control.journal("vk")                               # what the sandbox received
    control.videos("rutube")                            # what it holds, with status and bytes
    control.set_processing_seconds(0.2)

Every function works on the state file ``SANDBOX_STATE_PATH`` points at, so it drives a sandbox
served by another process just as well.
"""

from __future__ import annotations

from typing import Any

from platforms.sandbox import faults as fault_rules
from platforms.sandbox import videos as video_store
from platforms.sandbox.registry import sandbox, sandboxes
from platforms.sandbox.state import get_store


def reset() -> None:
    """Forget everything: videos, faults, journal, channels, used codes and the knobs."""
    get_store().reset()


def inject(
    platform: str, fault: str, count: int = 1, method: str | None = None, **params: Any
) -> dict[str, Any]:
    """Make the next ``count`` calls to ``platform`` (and ``method``) fail as ``fault`` says.

    Platforms: vk, vkid, telegram, rutube, dzen, yandex. Faults and their params: see
    ``faults.KINDS`` and docs/sandbox.md.
    """
    rule = fault_rules.add(
        get_store(), platform=platform, kind=fault, count=count, method=method, params=params
    )
    return rule.as_dict()


def faults(platform: str | None = None) -> list[dict[str, Any]]:
    """Rules not used up yet."""
    return [rule.as_dict() for rule in fault_rules.pending(get_store(), platform)]


def clear_faults(platform: str | None = None) -> int:
    return fault_rules.clear(get_store(), platform)


def journal(
    platform: str | None = None, method: str | None = None, since_id: int = 0
) -> list[dict[str, Any]]:
    """Every request received (oldest first): platform, method, path, status, bytes; no token.

    ``status`` 0 means the connection was dropped on purpose (a ``drop`` fault).
    """
    with get_store().connection() as conn:
        rows = conn.execute(
            "SELECT * FROM journal WHERE (? IS NULL OR platform = ?) AND (? IS NULL OR method = ?) "
            "AND id > ? ORDER BY id",
            (platform, platform, method, method, since_id),
        ).fetchall()
    return [dict(row) for row in rows]


def videos(platform: str | None = None) -> list[dict[str, Any]]:
    """Videos held (oldest first), with status, bytes received, upload count and current stats."""
    store = get_store()
    now = store.now()
    return [video.as_dict(now) for video in video_store.listing(store, platform)]


def video(platform: str, video_id: str) -> dict[str, Any] | None:
    store = get_store()
    found = video_store.get(store, platform, video_id)
    return None if found is None else found.as_dict(store.now())


def journal_count(platform: str | None = None, method: str | None = None, since_id: int = 0) -> int:
    """How many requests the sandbox received (after journal entry ``since_id``)."""
    with get_store().connection() as conn:
        row = conn.execute(
            "SELECT COUNT(*) AS n FROM journal WHERE (? IS NULL OR platform = ?) "
            "AND (? IS NULL OR method = ?) AND id > ?",
            (platform, platform, method, method, since_id),
        ).fetchone()
    return int(row["n"])


def journal_last_id() -> int:
    """The newest journal entry's id (0 when empty): pass it as ``since_id`` later."""
    with get_store().connection() as conn:
        row = conn.execute("SELECT MAX(id) AS id FROM journal").fetchone()
    return int(row["id"] or 0)


def set_video_stats(platform: str, video_id: str, **figures: int | None) -> None:
    """Pin a video's stats (``views``, ``likes``, ``comments``, ``shares``; the others 0), so
    they stay as set; with no figures the video grows again as usual."""
    unknown = set(figures) - set(video_store.STAT_NAMES)
    if unknown:
        raise ValueError(f"unknown figures: {', '.join(sorted(unknown))}")
    store = get_store()
    found = video_store.get(store, platform, video_id)
    if found is None:
        raise ValueError(f"no {platform} video {video_id}")
    extra = dict(found.extra)
    if figures:
        extra["stats"] = {name: int(figures.get(name) or 0) for name in video_store.STAT_NAMES}
    else:
        extra.pop("stats", None)
    video_store.update(store, platform, video_id, extra=extra)


def remove_video(platform: str, video_id: str) -> bool:
    """The author deleted the video on the platform: stats calls leave it out (VK, Дзен) or
    answer 404 (Rutube) from now on."""
    return video_store.delete(get_store(), platform, video_id)


def seed_videos(
    platform: str, account: str, count: int, *, age_seconds: float = 86400.0
) -> list[dict[str, Any]]:
    """``count`` ready videos of ``account`` at once, with fixed stats (benchmarks): their
    handles as a publication would hold them, ``{"id", "data": {...}}``."""
    if platform not in {"vk", "rutube", "dzen"}:
        raise ValueError("platform must be one of vk, rutube, dzen")
    made = video_store.seed(get_store(), platform, str(account), count, age_seconds=age_seconds)
    if platform == "vk":
        return [
            {"id": f"{v.owner_id}_{v.id}", "data": {"owner_id": v.owner_id, "video_id": int(v.id)}}
            for v in made
        ]
    if platform == "rutube":
        return [{"id": v.id, "data": {"video_id": v.id}} for v in made]
    return [{"id": v.id, "data": {"id": v.id, "uploaded": True}} for v in made]


def set_processing_seconds(seconds: float) -> None:
    """How long uploaded videos stay processing (applies to uploads from now on)."""
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    get_store().set_value("processing_seconds", float(seconds))


def set_upload_limit(platform: str, nbytes: int | None) -> None:
    """Override a platform's file size limit (None: back to the documented one)."""
    sandbox(platform)  # a known platform, or ValueError
    store = get_store()
    if nbytes is None:
        with store.connection() as conn:
            conn.execute("DELETE FROM kv WHERE key = ?", (f"upload_limit:{platform}",))
    else:
        store.set_value(f"upload_limit:{platform}", int(nbytes))


def advance_clock(seconds: float) -> float:
    """Move the sandbox clock forward: tokens expire, processing ends and stats grow as if
    ``seconds`` had passed. Returns the total offset."""
    store = get_store()
    offset = float(store.get_value("clock_offset", 0.0)) + float(seconds)
    store.set_value("clock_offset", offset)
    return offset


def knobs() -> dict[str, Any]:
    store = get_store()
    return {
        "processing_seconds": video_store.processing_seconds(store),
        "clock_offset": float(store.get_value("clock_offset", 0.0)),
        "upload_limits": {p.name: video_store.upload_limit(store, p.name) for p in sandboxes()},
        "state_path": str(store.path),
    }


def update_channel(chat: str, **changes: Any) -> dict[str, Any]:
    """Change a Telegram chat after the fact: ``member_status`` (administrator, member, left,
    kicked, creator), ``can_post``, ``type``."""
    from platforms.sandbox import telegram

    return telegram.update_channel(get_store(), chat, **changes)


def add_telegram_channel(
    bot_id: int, scenario: str = "ok", title: str | None = None
) -> dict[str, Any]:
    """A further channel for an existing bot (``scenario`` as in ``issue_credentials``):
    ``{"chat_id", "chat"}``."""
    from platforms.sandbox import telegram

    return telegram.issue_channel(bot_id, scenario, title)


def vk_communities(account: int | str) -> list[dict[str, Any]]:
    """The VK account's communities with its role in each (``groups.get`` answers from these)."""
    from platforms.sandbox import vk_groups

    return vk_groups.communities_for(get_store(), int(account))


def set_vk_communities(account: int | str, communities: list[Any]) -> list[dict[str, Any]]:
    """Replace the VK account's communities: names (it is their admin) or ``{"name", "role"}``
    with ``role`` admin, editor, moderator or member (only admins and editors may post)."""
    from platforms.sandbox import vk_groups

    return vk_groups.set_communities(get_store(), int(account), communities)


def set_vk_clips_refused(account: int | str, code: int | None = 15) -> None:
    """Make VK refuse the account its clips methods (every ``shortVideo.*`` call answers error
    ``code``, 15 or 7, as VK does for accounts it does not let publish Клипы through the API);
    ``None`` lets it again."""
    from platforms.sandbox import vk_clips

    vk_clips.set_refused(get_store(), int(account), int(code) if code else None)


def issue_credentials(platform: str, **params: Any) -> dict[str, Any]:
    """Credentials the sandbox accepts, as the product would hold them after connecting.

    - ``vk`` / ``dzen``: a token set as the OAuth token endpoint answers it (plus
      ``account_id``, ``account_name``, and for VK ``device_id``). Params: ``account_name``,
      ``client_id`` (default: the product's setting), ``ttl`` of the access token.
    - ``rutube``: ``{"token", "account_id", "account_name"}``.
    - ``telegram``: ``{"token", "bot_id", "bot_username", "chat_id", "chat"}``; ``scenario``
      picks the chat: ``ok`` (default: a channel where the bot is an admin who can post),
      ``creator``, ``private`` (no @username), ``cannot_post``, ``not_admin``, ``not_member``,
      ``kicked``, ``group`` (not a channel), ``chat_not_found`` (a name that does not exist).
    """
    return sandbox(platform).issue_credentials(**params)
