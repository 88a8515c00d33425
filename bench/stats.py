"""Stats benchmark: 100,000 published publications over 1,000 connections, synced through the
sandbox over real HTTP on PostgreSQL and Redis.

Starts the product under gunicorn serving the platform sandbox, then, from this process (which
runs the sync exactly as the Celery task does, run after run while work is left):

1. seeds ``--connections`` connections (VK, Rutube and Дзен in the ``--shares`` proportions)
   with ``--per-connection`` published publications each, the videos held by the sandbox with
   fixed figures, and enrols them (``enrol_seconds``);
2. syncs the VK and Дзен rows once (``seconds``, HTTP calls against the minimum: one per 200
   VK videos and per 100 Дзен videos of an account, database queries, snapshots written);
3. syncs them again 6 hours later with nothing changed (``seconds_unchanged``,
   ``snapshots_written_unchanged`` must be 0);
4. syncs the Rutube rows: one call per video, within Rutube's rate limit of one call a second
   per account, many accounts in parallel (``rutube_seconds``).

The shared per-account rate limits stay on throughout. Targets: ``seconds`` < 30,
``seconds_unchanged`` < 10 with no snapshot written, ``http_calls`` ≤ 1.05 × ``min_http_calls``,
at most 5 database queries per 100 publications. The last line printed is one JSON object.

    .venv/bin/python bench/stats.py [--database-url postgres://...] [--redis-url redis://...]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline import ensure_database, free_port, http_ok, start, stop, wait_until  # noqa: E402

TARGET_SECONDS = 30.0
TARGET_SECONDS_UNCHANGED = 10.0
TARGET_CALLS_RATIO = 1.05
TARGET_QUERIES_PER_100 = 5.0
STATS_METHODS = {"vk": "video.get", "dzen": "videos.stats", "rutube": "video.get"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/clipmaker_bench_stats"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--per-connection", type=int, default=100)
    parser.add_argument(
        "--shares", default="vk=0.4,rutube=0.3,dzen=0.3", help="connections per platform"
    )
    # One gunicorn process with threads: the sandbox journals every request in one SQLite
    # file, and writers in several processes wait on each other with SQLite's sleeping busy
    # handler (the floor below took 2-3 times longer with three processes).
    parser.add_argument("--web-workers", type=int, default=1)
    parser.add_argument("--web-threads", type=int, default=16)
    parser.add_argument("--skip-rutube", action="store_true")
    parser.add_argument("--profile", type=Path, help="write a cProfile of each sync phase here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-stats-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clipmaker.settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "VAR_DIR": str(tmp / "var"),
        "MEDIA_ROOT": str(tmp / "media"),
        "SECRET_KEY": secrets.token_hex(32),
        "PLATFORM_TOKEN_SECRET": secrets.token_hex(32),
        "PLATFORM_SANDBOX": "1",
        "PUBLIC_BASE_URL": base,
        "SANDBOX_STATE_PATH": str(tmp / "sandbox.sqlite3"),
        # The tokens outlive the benchmark: no refresh in the middle of a measurement.
        "SANDBOX_TOKEN_TTL_SECONDS": str(24 * 3600),
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    ensure_database(args.database_url)
    import subprocess

    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    web = start(
        [
            sys.executable, "-m", "gunicorn", "clipmaker.wsgi", "-b", f"127.0.0.1:{port}",
            "-w", str(args.web_workers), "--threads", str(args.web_threads), "--log-level", "warning",
        ],
        env,
        tmp / "web.log",
    )  # fmt: skip
    try:
        figures = run(args, base)
    finally:
        stop(web)
    print(json.dumps(figures))


def shares(text: str) -> dict[str, float]:
    parsed = {k: float(v) for k, v in (part.split("=") for part in text.split(","))}
    total = sum(parsed.values())
    return {k: v / total for k, v in parsed.items()}


class QueryCounter:
    """Counts the SQL statements this process sends (the sync touches the database from its
    calling thread only)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def run(args: argparse.Namespace, base: str) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from stats.models import StatsSnapshot
    from stats.services import stats_enrol, stats_sync

    wait_until(lambda: http_ok(f"{base}/healthz"), 60, "the web server")
    warm_up(base)
    started = time.monotonic()
    plan = seed(args)
    seed_seconds = round(time.monotonic() - started, 2)

    t0 = time.monotonic()
    while stats_enrol(now=timezone.now()):
        pass
    enrol_seconds = round(time.monotonic() - t0, 2)
    # Tables that grew by 100,000 rows in a minute: let the planner see them, as autovacuum's
    # analyze would within minutes in production.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def sync(platforms: list[str], *, now: Any = None, name: str) -> dict[str, Any]:
        import cProfile

        from platforms.sandbox import control

        profiler = cProfile.Profile() if args.profile else None

        mark = control.journal_last_id()
        snapshots = StatsSnapshot.objects.count()
        counter = QueryCounter()
        runs = 0
        rows = 0
        t = time.monotonic()
        if profiler:
            profiler.enable()
        with connection.execute_wrapper(counter):
            while True:
                result = stats_sync(now=now, platforms=platforms)
                runs += 1
                rows += result.publications
                if not result.more:
                    break
        seconds = time.monotonic() - t
        if profiler:
            profiler.disable()
            args.profile.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(str(args.profile / f"{name}.prof"))
        calls = sum(
            control.journal_count(p, method=STATS_METHODS[p], since_id=mark) for p in platforms
        )
        return {
            "seconds": round(seconds, 2),
            "runs": runs,
            "rows": rows,
            "http_calls": calls,
            "db_queries": counter.count,
            "snapshots": StatsSnapshot.objects.count() - snapshots,
        }

    fast = [p for p in ("vk", "dzen") if plan["connections"].get(p)]
    threads = int(os.environ.get("STATS_SYNC_THREADS", "8"))
    floor = http_floor([a for a in plan["accounts"] if a[0] in fast], threads)
    first = sync(fast, name="first")
    later = timezone.now() + timedelta(hours=6, minutes=1)
    unchanged = sync(fast, now=later, name="unchanged")
    with_rutube = plan["connections"].get("rutube") and not args.skip_rutube
    rutube = sync(["rutube"], name="rutube") if with_rutube else None

    min_fast = plan["min_calls"]["vk"] + plan["min_calls"]["dzen"]
    min_calls = min_fast + (plan["min_calls"]["rutube"] if rutube else 0)
    http_calls = first["http_calls"] + (rutube["http_calls"] if rutube else 0)
    fast_rows = plan["publications"]["vk"] + plan["publications"]["dzen"]
    queries_per_100 = first["db_queries"] / (fast_rows / 100)
    figures: dict[str, Any] = {
        "publications": sum(plan["publications"].values()),
        "connections": sum(plan["connections"].values()),
        "by_platform": {
            p: {"connections": plan["connections"][p], "publications": plan["publications"][p]}
            for p in plan["connections"]
        },
        "seconds": first["seconds"],
        "seconds_unchanged": unchanged["seconds"],
        "http_floor_seconds": round(floor, 2),
        "rutube_seconds": rutube["seconds"] if rutube else None,
        "http_calls": http_calls,
        "min_http_calls": min_calls,
        "http_calls_vk_dzen": first["http_calls"],
        "http_calls_unchanged": unchanged["http_calls"],
        "rutube_http_calls": rutube["http_calls"] if rutube else None,
        "db_queries": first["db_queries"],
        "db_queries_unchanged": unchanged["db_queries"],
        "db_queries_per_100_publications": round(queries_per_100, 2),
        "rutube_db_queries": rutube["db_queries"] if rutube else None,
        "snapshots_written": first["snapshots"] + (rutube["snapshots"] if rutube else 0),
        "snapshots_written_unchanged": unchanged["snapshots"],
        "rows_synced": first["rows"],
        "rows_synced_unchanged": unchanged["rows"],
        "rutube_rows_synced": rutube["rows"] if rutube else None,
        "runs": first["runs"],
        "runs_unchanged": unchanged["runs"],
        "rutube_runs": rutube["runs"] if rutube else None,
        "seed_seconds": seed_seconds,
        "enrol_seconds": enrol_seconds,
        "sync_threads": threads,
    }
    figures["targets_met"] = {
        "seconds": figures["seconds"] < TARGET_SECONDS,
        "seconds_unchanged": figures["seconds_unchanged"] < TARGET_SECONDS_UNCHANGED
        and figures["snapshots_written_unchanged"] == 0,
        "http_calls": http_calls <= TARGET_CALLS_RATIO * min_calls,
        "db_queries": queries_per_100 <= TARGET_QUERIES_PER_100,
    }
    return figures


def warm_up(base: str) -> None:
    """Every gunicorn worker imports the sandbox's views on its first request: make those
    requests before anything is timed (unauthenticated, so nothing is counted as a call)."""
    import requests

    with requests.Session() as session:
        for _ in range(30):
            for path in ("vk/method/video.get", "dzen/v1/videos/stats", "rutube/api/video/x/"):
                session.get(f"{base}/sandbox/{path}", timeout=10)


def seed(args: argparse.Namespace) -> dict[str, Any]:
    """Users, connections (tokens the sandbox accepts, sealed as usual), clips and published
    publications, the videos held by the sandbox with fixed figures."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from clipmaker.accounts.models import Plan, User
    from clipmaker.clips.models import Clip, ClipStatus
    from platforms.models import PlatformConnection
    from platforms.providers import provider_class
    from platforms.sandbox import control
    from publishing.models import Publication, PublicationStatus

    counts = {p: round(args.connections * share) for p, share in shares(args.shares).items()}
    counts[max(counts, key=counts.get)] += args.connections - sum(counts.values())
    users_needed = max(counts.values())
    password = make_password(secrets.token_hex(8))
    users = User.objects.bulk_create(
        [User(username=f"bench{i}", password=password, plan=Plan.PRO) for i in range(users_needed)]
    )
    published_at = timezone.now() - timedelta(days=3)  # past its first 48 hours: every 6 hours
    connections: list[PlatformConnection] = []
    accounts: list[tuple[str, str, list[dict[str, Any]]]] = []
    handles: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for platform, n in counts.items():
        for i in range(n):
            user = users[i]
            creds = control.issue_credentials(platform, account_name=f"Автор {platform} {i}")
            access = creds.get("access_token") or creds["token"]
            conn = PlatformConnection(
                user=user,
                platform=platform,
                account_id=str(creds["account_id"]),
                account_name=creds["account_name"],
                extra={"device_id": creds["device_id"]} if creds.get("device_id") else {},
            )
            conn.set_token("access_token", access)
            conn.set_token("refresh_token", creds.get("refresh_token"))
            connections.append(conn)
            handles[(user.pk, platform)] = control.seed_videos(
                platform, str(creds["account_id"]), args.per_connection
            )
            accounts.append((platform, access, handles[(user.pk, platform)]))
    PlatformConnection.objects.bulk_create(connections, batch_size=500)

    clips = Clip.objects.bulk_create(
        [
            Clip(
                owner=user,
                title=f"Клип {n}",
                file="clips/bench.mp4",
                size_bytes=1000,
                status=ClipStatus.READY,
            )
            for user in users
            for n in range(args.per_connection)
        ],
        batch_size=2000,
    )
    clips_by_user: dict[int, list[Clip]] = {}
    for clip in clips:
        clips_by_user.setdefault(clip.owner_id, []).append(clip)
    publications = [
        Publication(
            clip=clips_by_user[user_id][n],
            platform=platform,
            status=PublicationStatus.PUBLISHED,
            title="Клип",
            published_at=published_at,
            platform_handle=handle,
            platform_video_id=handle["id"],
        )
        for (user_id, platform), seeded in handles.items()
        for n, handle in enumerate(seeded)
    ]
    Publication.objects.bulk_create(publications, batch_size=2000)
    min_calls = {
        p: counts.get(p, 0) * math.ceil(args.per_connection / provider_class(p).stats_batch_size)
        for p in ("vk", "rutube", "dzen")
    }
    return {
        "connections": counts,
        "publications": {
            p: counts.get(p, 0) * args.per_connection for p in ("vk", "rutube", "dzen")
        },
        "min_calls": min_calls,
        "accounts": accounts,
    }


def http_floor(accounts: list[tuple[str, str, list[dict[str, Any]]]], threads: int) -> float:
    """The same stats calls made straight from ``threads`` threads with the providers: no
    database, no schedule, no rate limiter. What the sandbox itself costs."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from platforms.providers import Credentials, PlatformHandle, get_provider, provider_class

    local = threading.local()
    jobs = []
    for platform, token, seeded in accounts:
        size = provider_class(platform).stats_batch_size
        handles = [PlatformHandle.from_json(h) for h in seeded]
        jobs += [(platform, token, handles[i : i + size]) for i in range(0, len(handles), size)]

    def call(job: tuple[str, str, list[Any]]) -> int:
        platform, token, handles = job
        providers = getattr(local, "providers", None) or {}
        local.providers = providers
        provider = providers.setdefault(platform, get_provider(platform))
        return len(
            provider.fetch_stats(credentials=Credentials(access_token=token), handles=handles)
        )

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        found = sum(pool.map(call, jobs))
    if found != sum(len(h) for _, _, h in jobs):
        raise SystemExit("the floor run did not find every video")
    return time.monotonic() - started


if __name__ == "__main__":
    main()
