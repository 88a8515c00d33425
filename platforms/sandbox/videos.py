"""Videos the sandbox's platforms hold: creation, upload, processing and growing stats."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings

from platforms.sandbox.state import Store

STAT_NAMES = ("views", "likes", "comments", "shares")
_COLUMNS = (
    "platform",
    "id",
    "account",
    "owner_id",
    "title",
    "description",
    "status",
    "created_at",
    "uploaded_at",
    "ready_at",
    "bytes",
    "uploads",
    "source_url",
    "extra",
)


@dataclass
class Video:
    platform: str
    id: str
    account: str
    owner_id: int | None
    title: str
    description: str
    status: str  # created | uploaded | processing | ready | rejected (platform modules map it)
    created_at: float
    uploaded_at: float | None = None
    ready_at: float | None = None
    bytes: int = 0
    uploads: int = 0
    source_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def is_ready(self, now: float) -> bool:
        return self.status != "rejected" and self.ready_at is not None and now >= self.ready_at

    def stats(self, now: float) -> dict[str, int]:
        pinned = self.extra.get("stats")
        if isinstance(pinned, dict):  # set by the control API: these figures, unchanging
            return {name: int(pinned.get(name, 0)) for name in STAT_NAMES}
        return grown_stats(f"{self.platform}:{self.id}", self.age(now))

    def age(self, now: float) -> float:
        if not self.is_ready(now):
            return 0.0
        return max(0.0, now - (self.ready_at or now))

    def as_dict(self, now: float) -> dict[str, Any]:
        data = asdict(self)
        data["ready"] = self.is_ready(now)
        data["stats"] = self.stats(now)
        return data


def grown_stats(key: str, age_seconds: float) -> dict[str, int]:
    """Engagement that grows with age, deterministic per video: never decreasing, 0 at birth."""
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    views_per_minute = 20 + seed % 100
    views = int(age_seconds * views_per_minute / 60)
    return {
        "views": views,
        "likes": views * (3 + (seed >> 8) % 8) // 100,
        "comments": views * (1 + (seed >> 16) % 3) // 200,
        "shares": views * (1 + (seed >> 24) % 4) // 300,
    }


def _row_to_video(row: Any) -> Video:
    data = dict(row)
    data["extra"] = json.loads(data["extra"] or "{}")
    return Video(**data)


def processing_seconds(store: Store) -> float:
    value = store.get_value("processing_seconds")
    return float(settings.SANDBOX_PROCESSING_SECONDS if value is None else value)


def create(store: Store, video: Video) -> Video:
    data = asdict(video)
    data["extra"] = json.dumps(data["extra"])
    with store.connection() as conn:
        conn.execute(
            f"INSERT INTO videos ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})",  # noqa: S608
            [data[column] for column in _COLUMNS],
        )
    return video


def get(store: Store, platform: str, video_id: str) -> Video | None:
    with store.connection() as conn:
        row = conn.execute(
            "SELECT * FROM videos WHERE platform = ? AND id = ?", (platform, str(video_id))
        ).fetchone()
    return None if row is None else _row_to_video(row)


def get_many(store: Store, platform: str, video_ids: list[str]) -> list[Video]:
    if not video_ids:
        return []
    with store.connection() as conn:
        rows = conn.execute(
            f"SELECT * FROM videos WHERE platform = ? AND id IN ({', '.join('?' for _ in video_ids)})",  # noqa: S608
            [platform, *map(str, video_ids)],
        ).fetchall()
    by_id = {row["id"]: _row_to_video(row) for row in rows}
    return [by_id[str(video_id)] for video_id in video_ids if str(video_id) in by_id]


def listing(store: Store, platform: str | None = None, account: str | None = None) -> list[Video]:
    with store.connection() as conn:
        rows = conn.execute(
            "SELECT * FROM videos WHERE (? IS NULL OR platform = ?) AND (? IS NULL OR account = ?) "
            "ORDER BY created_at, rowid",
            (platform, platform, account, account),
        ).fetchall()
    return [_row_to_video(row) for row in rows]


def update(store: Store, platform: str, video_id: str, **changes: Any) -> None:
    if "extra" in changes:
        changes["extra"] = json.dumps(changes["extra"])
    assignments = ", ".join(f"{column} = ?" for column in changes)
    with store.connection() as conn:
        conn.execute(
            f"UPDATE videos SET {assignments} WHERE platform = ? AND id = ?",  # noqa: S608
            [*changes.values(), platform, str(video_id)],
        )


def mark_uploaded(
    store: Store, platform: str, video_id: str, nbytes: int, *, ready: bool = True
) -> None:
    """Record a completed upload; processing ends ``processing_seconds`` from now.

    ``ready=False`` (Дзен before publishing) records the bytes but starts no processing.
    """
    now = store.now()
    ready_at = now + processing_seconds(store) if ready else None
    with store.connection() as conn:
        conn.execute(
            "UPDATE videos SET bytes = ?, uploads = uploads + 1, uploaded_at = ?, ready_at = ?, "
            "status = CASE WHEN status = 'rejected' THEN status ELSE ? END "
            "WHERE platform = ? AND id = ?",
            (nbytes, now, ready_at, "processing" if ready else "uploaded", platform, str(video_id)),
        )


def default_upload_limit(platform: str) -> int:
    from platforms.sandbox.registry import sandbox

    return sandbox(platform).upload_limit()


def upload_limit(store: Store, platform: str) -> int:
    """Largest file the platform accepts: its documented limit unless the control API set one."""
    value = store.get_value(f"upload_limit:{platform}")
    return default_upload_limit(platform) if value is None else int(value)


def seed(
    store: Store, platform: str, account: str, count: int, *, age_seconds: float = 86400.0
) -> list[Video]:
    """``count`` published, ready videos of ``account`` in one transaction (benchmarks), each
    with pinned stats: what it would have grown to at ``age_seconds``, the same on every read."""
    now = store.now()
    with store.write() as conn:
        row = conn.execute("SELECT value FROM seq WHERE name = ?", (f"{platform}_seed",)).fetchone()
        first = 1 if row is None else row["value"] + 1
        conn.execute(
            "INSERT INTO seq (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (f"{platform}_seed", first + count - 1),
        )
        made = []
        for n in range(first, first + count):
            video_id = str(n) if platform == "vk" else f"seed{n:020d}"
            made.append(
                Video(
                    platform=platform,
                    id=video_id,
                    account=str(account),
                    owner_id=int(account) if account.isdigit() else None,
                    title=f"Видео {n}",
                    description="",
                    status="ready",
                    created_at=now - age_seconds,
                    uploaded_at=now - age_seconds,
                    ready_at=now - age_seconds,
                    uploads=1,
                    extra={"stats": grown_stats(f"{platform}:{video_id}", age_seconds)},
                )
            )
        rows = []
        for video in made:
            data = asdict(video)
            data["extra"] = json.dumps(data["extra"])
            rows.append([data[column] for column in _COLUMNS])
        conn.executemany(
            f"INSERT INTO videos ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})",  # noqa: S608
            rows,
        )
    return made


def delete(store: Store, platform: str, video_id: str) -> bool:
    with store.connection() as conn:
        cursor = conn.execute(
            "DELETE FROM videos WHERE platform = ? AND id = ?", (platform, str(video_id))
        )
    return cursor.rowcount > 0
