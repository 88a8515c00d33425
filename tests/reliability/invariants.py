"""The promises checked after every chaos scenario, from the outside: the product's database,
the sandbox's own records of what the platforms received, Redis and the processes' logs.

* nothing stuck: every publication is terminal, or waits with a future ``next_attempt_at``
  no further than lease + reaper interval away;
* nothing doubled: the sandbox holds at most one post per publication (publications are told
  apart by a unique marker in their title, which every platform keeps);
* nothing lost: a publication that says ``published`` has its post on the platform;
* attempts never exceed the limit;
* the shared per-account (and, for Telegram, per-channel) rate limits held in every window:
  no more attempts started than the bucket allows (burst + rate x window);
* no plain platform token anywhere: logs, Redis keys and values, broker messages (every
  command Redis received, base64 bodies decoded), the database dump.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.reliability.stack import LEASE, MAX_ATTEMPTS, REAP, Stack

TERMINAL = ("published", "failed", "cancelled")
MARKER = re.compile(r"chaos-[a-z0-9_]+-\d{5}")
# A token's worth of slack for the moment between taking the token and logging the start.
RATE_TOLERANCE = 0.25


@dataclass
class Row:
    id: int
    platform: str
    status: str
    attempts: int
    title: str
    next_attempt_at: datetime | None
    finished_at: datetime | None
    error_code: str
    destination_id: int
    created_at: datetime


def rows(stack: Stack, ids: list[int]) -> list[Row]:
    with stack.db() as conn:
        found = conn.execute(
            "SELECT id, platform, status, attempts, title, next_attempt_at, finished_at, "
            "error_code, destination_id, created_at FROM publishing_publication WHERE id = ANY(%s) "
            "ORDER BY id",
            (ids,),
        ).fetchall()
    return [Row(*r) for r in found]


def settled(found: list[Row]) -> bool:
    return all(r.status in TERMINAL for r in found)


def _sandbox(stack: Stack) -> sqlite3.Connection:
    path = stack.env["SANDBOX_STATE_PATH"]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def _post_count(video: sqlite3.Row) -> int:
    """How many posts the platform's audience got from this video: an empty VK/Дзен draft or an
    unpublished Клип is debris, not a post; a second wall post of one VK video is a double."""
    platform, status = video["platform"], video["status"]
    if platform == "vk":
        extra = json.loads(video["extra"] or "{}")
        if extra.get("kind") == "clip":
            posted = bool(extra.get("published"))
        else:
            posted = int(video["uploads"]) > 0
        return int(posted) + max(0, len(extra.get("wall_posts") or []) - 1)
    if platform == "dzen":
        return int(status not in ("created", "uploaded"))
    return 1


def posts(stack: Stack) -> dict[str, int]:
    """Posts per publication marker, as the sandbox recorded them."""
    return sandbox_counts(stack)[0]


def sandbox_counts(stack: Stack) -> tuple[dict[str, int], dict[str, int]]:
    """Posts per publication marker, and drafts left behind (empty VK videos, unpublished
    Клипы, Дзен drafts: debris on the user's account, not posts) per marker."""
    counts: dict[str, int] = defaultdict(int)
    drafts: dict[str, int] = defaultdict(int)
    with _sandbox(stack) as conn:
        for video in conn.execute("SELECT * FROM videos"):
            found = MARKER.search(video["title"] or "") or MARKER.search(video["description"] or "")
            if found:
                posted = _post_count(video)
                counts[found.group(0)] += posted
                if not posted:
                    drafts[found.group(0)] += 1
    return dict(counts), dict(drafts)


def check_rows(found: list[Row], post_counts: dict[str, int], *, now: datetime) -> list[str]:
    problems = []
    horizon = now + timedelta(seconds=LEASE + REAP)
    for row in found:
        marker = MARKER.search(row.title)
        count = post_counts.get(marker.group(0), 0) if marker else 0
        if row.status not in TERMINAL and not (
            row.status in ("queued", "scheduled")
            and row.next_attempt_at is not None
            and now < row.next_attempt_at <= horizon
        ):
            problems.append(f"stuck: #{row.id} {row.platform} {row.status}")
        if count > 1:
            problems.append(f"doubled: #{row.id} {row.platform} has {count} posts")
        if row.status == "published" and count == 0:
            problems.append(f"lost: #{row.id} {row.platform} published without a post")
        if row.attempts > MAX_ATTEMPTS:
            problems.append(f"attempts: #{row.id} {row.attempts} > {MAX_ATTEMPTS}")
    return problems


def _window_excess(times: list[float], rate: float, burst: float) -> str | None:
    """Whether more than the bucket allows (burst + rate x window) started in some window."""
    times = sorted(times)
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            allowed = burst + rate * (times[j] - times[i]) + RATE_TOLERANCE
            if j - i + 1 > allowed:
                return f"{j - i + 1} creates in {times[j] - times[i]:.2f}s (allowed {allowed:.1f})"
    return None


START_LINE = re.compile(
    r"^(?P<at>\S+?)Z? \[info\s*\] publish_job_start .*?destination_id=(?P<place>\d+)"
    r".*?platform=(?P<platform>\w+).*?user_id=(?P<user>\d+)"
)


def check_rate_limits(stack: Stack, rates: dict[str, Any], since: float) -> list[str]:
    """Attempts started per account (and per place where the platform limits places) in any
    window, as the upload workers logged them: a publish call goes out only after the shared
    bucket gave a token, so this is what the platform is sent. (Measured where it is sent: on
    a starved machine the sandbox can receive spaced requests a few hundred ms closer together.)
    Each seeded user has one connection per platform, so user and platform name the account.
    """
    per_account: dict[tuple[str, str], list[float]] = defaultdict(list)
    per_place: dict[tuple[str, str], list[float]] = defaultdict(list)
    for name, text in stack.logs():
        if not name.startswith("worker"):
            continue
        for line in text.splitlines():
            found = START_LINE.search(line)
            if not found:
                continue
            at = datetime.fromisoformat(found["at"]).replace(tzinfo=UTC).timestamp()
            if at >= since:
                per_account[(found["platform"], found["user"])].append(at)
                per_place[(found["platform"], found["place"])].append(at)
    problems = []
    for (platform, user), times in per_account.items():
        rate, burst = rates[platform]["account"]
        excess = _window_excess(times, rate, burst)
        if excess:
            problems.append(f"rate limit: {platform} account of user {user}: {excess}")
    for (platform, place), times in per_place.items():
        if rates[platform]["place"]:
            rate, burst = rates[platform]["place"]
            excess = _window_excess(times, rate, burst)
            if excess:
                problems.append(f"rate limit: {platform} place {place}: {excess}")
    return problems


def _decoded(text: str) -> str:
    """Base64 runs (kombu's message bodies) decoded, so a token inside a message is seen."""
    out = []
    for run in re.findall(r"[A-Za-z0-9+/]{24,}={0,2}", text):
        try:
            out.append(base64.b64decode(run + "=" * (-len(run) % 4)).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            continue
    return "\n".join(out)


def redis_contents(stack: Stack) -> str:
    import redis

    client = redis.Redis.from_url(stack.redis.url, socket_timeout=5)
    parts = []
    try:
        for key in client.scan_iter(count=1000):
            parts.append(key.decode(errors="replace"))
            kind = client.type(key).decode()
            if kind == "string":
                value: Any = client.get(key)
            elif kind == "list":
                value = client.lrange(key, 0, -1)
            elif kind == "hash":
                value = client.hgetall(key)
            elif kind == "set":
                value = client.smembers(key)
            elif kind == "zset":
                value = client.zrange(key, 0, -1)
            else:
                value = b""
            parts.append(repr(value))
    finally:
        client.close()
    return "\n".join(parts)


def database_dump(stack: Stack) -> str:
    from tests.reliability.stack import _pg_bin

    done = subprocess.run(
        [
            _pg_bin("pg_dump"),
            "-h",
            "127.0.0.1",
            "-p",
            str(stack.pg.port),
            "-U",
            "postgres",
            "chaos",
        ],
        capture_output=True,
        timeout=300,
        check=True,
    )
    return done.stdout.decode(errors="replace")


def check_tokens(stack: Stack, tokens: list[str]) -> list[str]:
    places: dict[str, str] = {name: text for name, text in stack.logs()}
    monitor = stack.root / "redis-monitor.txt"
    if monitor.exists():
        text = monitor.read_text(errors="replace")
        places["broker messages (redis MONITOR)"] = text + "\n" + _decoded(text)
    current = redis_contents(stack)
    places["redis keys and values"] = current + "\n" + _decoded(current)
    places["database dump"] = database_dump(stack)
    problems = []
    for name, text in places.items():
        for token in tokens:
            if token and token in text:
                problems.append(f"plain token in {name}")
                break
    return problems


def now_utc() -> datetime:
    return datetime.now(UTC)
