"""Pipeline benchmark: publish call → ``published``, through real processes on this machine.

Starts, each as its own process: the product under gunicorn serving the platform sandbox
(``SANDBOX_PROCESSING_SECONDS=0``), a Celery worker with 2 processes on every queue, and celery
beat with the DatabaseScheduler (the dispatcher ticks every ``DISPATCH_INTERVAL_SECONDS``),
on PostgreSQL and Redis, with the platform rate limits lifted. Then, from this process:

1. floor: a no-op Celery task's round trip (send → worker → result in Redis), ``--noop`` times;
2. latency: ``--clips`` clips published to the four platforms one clip at a time, ``--rate``
   clips per second (below capacity), time from the ``publication_create`` call to each
   publication's ``published_at``;
3. throughput: ``--burst`` clips × 4 platforms published at once; publications per second from
   the first call to the last ``published_at``;
4. schedule precision: ``--scheduled`` publications scheduled 5-15 s ahead; lag = the moment
   the worker claimed each one (``started_at``) minus its ``scheduled_at``.

Targets: ≥ 25 publications/s, p95 < 1 s for an immediate publish, a scheduled publication
starting within 2 s of its time. The last line printed is one JSON object with the figures.

    .venv/bin/python bench/pipeline.py [--database-url postgres://...] [--redis-url redis://...]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PLATFORMS = ["vk", "rutube", "dzen", "telegram"]
TARGET_RATE = 25.0
TARGET_P95 = 1.0
TARGET_SCHEDULE_LAG = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def wait_until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - local
            return resp.status < 500
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/clipmaker_bench_pipeline"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--clips", type=int, default=60, help="latency phase, clips")
    parser.add_argument("--rate", type=float, default=4.0, help="latency phase, clips per second")
    parser.add_argument("--burst", type=int, default=100, help="throughput phase, clips")
    parser.add_argument("--scheduled", type=int, default=20)
    parser.add_argument("--noop", type=int, default=200)
    parser.add_argument("--web-workers", type=int, default=4)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
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
        "SANDBOX_PROCESSING_SECONDS": "0",
        "PLATFORM_RATE_LIMITS_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    ensure_database(args.database_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        [sys.executable, "manage.py", "install_schedules"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    py = sys.executable
    procs = [
        start(
            [
                py, "-m", "gunicorn", "clipmaker.wsgi", "-b", f"127.0.0.1:{port}",
                "-w", str(args.web_workers), "--threads", "8", "--log-level", "warning",
            ],
            env,
            tmp / "web.log",
        ),
        start(
            [
                py, "-m", "celery", "-A", "clipmaker", "worker", "-Q",
                "default,vk,rutube,dzen,telegram", "-c", "2", "-n", "bench@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            env,
            tmp / "worker.log",
        ),
        start(
            [
                py, "-m", "celery", "-A", "clipmaker", "beat", "-S",
                "django_celery_beat.schedulers:DatabaseScheduler", "--loglevel=WARNING",
                "-s", str(tmp / "beat-schedule"),
            ],
            env,
            tmp / "beat.log",
        ),
    ]  # fmt: skip
    try:
        figures = run(args, base, procs)
    finally:
        for proc in procs:
            stop(proc)
    print(json.dumps(figures))


def run(args: argparse.Namespace, base: str, procs: list[Any]) -> dict[str, Any]:
    import django

    django.setup()
    from django.db.models import Max
    from django.utils import timezone

    from clipmaker.accounts.models import Plan, User
    from clipmaker.clips.demo import make_tiny_video
    from clipmaker.clips.probing import clip_probe
    from clipmaker.clips.services import clip_create

    # A real one-second vertical MP4 (a few KB): clips are probed before they can be published.
    tiny_video = make_tiny_video()
    from platforms.sandbox import control
    from platforms.services import connection_store
    from publishing.models import Publication, PublicationStatus
    from publishing.services import publication_create
    from publishing.tasks import noop

    wait_until(lambda: http_ok(f"{base}/healthz"), 30, "the web server")

    # Floor: a no-op task's round trip (also proves the worker is consuming).
    noop.apply_async(ignore_result=False).get(timeout=60)
    floor = []
    for _ in range(args.noop):
        t0 = time.perf_counter()
        noop.apply_async(ignore_result=False).get(timeout=10)
        floor.append(time.perf_counter() - t0)

    user = User.objects.create_user("bench", password=secrets.token_hex(8), plan=Plan.PRO)
    for platform in PLATFORMS:
        creds = control.issue_credentials(platform)
        if platform == "telegram":
            chat = creds["chat"]
            connection_store(
                user=user,
                platform=platform,
                access_token=creds["token"],
                account_id=str(chat["id"]),
                account_name=chat["title"],
                extra={"chat_id": chat["id"], "chat_username": chat.get("username", "")},
            )
        elif platform == "rutube":
            connection_store(
                user=user,
                platform=platform,
                access_token=creds["token"],
                account_id=creds["account_id"],
                account_name=creds["account_name"],
            )
        else:
            connection_store(
                user=user,
                platform=platform,
                access_token=creds["access_token"],
                refresh_token=creds.get("refresh_token"),
                expires_at=timezone.now() + timedelta(hours=1),
                account_id=str(creds["account_id"]),
                account_name=creds["account_name"],
                extra={"device_id": creds["device_id"]} if creds.get("device_id") else {},
            )

    def new_clips(n: int) -> list[Any]:
        clips = [
            clip_create(
                owner=user, file=io.BytesIO(tiny_video), filename=f"bench{i}.mp4", title=f"Клип {i}"
            )
            for i in range(n)
        ]
        # Probed here rather than by the worker, so the measured pipeline is publishing only.
        for clip in clips:
            clip_probe(clip_id=clip.pk)
            clip.refresh_from_db()
        return clips

    def wait_final(ids: list[int], timeout: float) -> None:
        wait_until(
            lambda: (
                not Publication.objects.filter(
                    pk__in=ids,
                    status__in=[
                        PublicationStatus.SCHEDULED,
                        PublicationStatus.QUEUED,
                        PublicationStatus.PUBLISHING,
                    ],
                ).exists()
            ),
            timeout,
            f"{len(ids)} publications to finish",
        )

    # Latency: one clip to four platforms at a time, below capacity.
    clips = new_clips(args.clips)
    called: dict[int, float] = {}
    t_next = time.time()
    for clip in clips:
        t_next += 1.0 / args.rate
        t0 = time.time()
        for pub in publication_create(user=user, clip=clip, platforms=PLATFORMS):
            called[pub.pk] = t0
        time.sleep(max(0.0, t_next - time.time()))
    wait_final(list(called), 120)
    rows = Publication.objects.filter(pk__in=called).values("pk", "status", "published_at")
    latencies = [r["published_at"].timestamp() - called[r["pk"]] for r in rows if r["published_at"]]
    failed_latency = sum(1 for r in rows if r["status"] != PublicationStatus.PUBLISHED)

    # Throughput: a burst of clips × 4 platforms.
    clips = new_clips(args.burst)
    burst: dict[int, float] = {}
    t_first = time.time()
    for clip in clips:
        t0 = time.time()
        for pub in publication_create(user=user, clip=clip, platforms=PLATFORMS):
            burst[pub.pk] = t0
    t_created = time.time()
    wait_final(list(burst), 300)
    done = Publication.objects.filter(pk__in=burst, status=PublicationStatus.PUBLISHED)
    last = done.aggregate(last=Max("published_at"))["last"].timestamp()
    published = done.count()
    burst_rows = done.values("pk", "published_at")
    burst_latencies = [r["published_at"].timestamp() - burst[r["pk"]] for r in burst_rows]

    # Schedule precision: claimed vs scheduled time, through beat's dispatcher.
    clips = new_clips(args.scheduled)
    scheduled_ids = []
    start_at = timezone.now() + timedelta(seconds=5)
    for i, clip in enumerate(clips):
        at = start_at + timedelta(seconds=10 * i / max(1, args.scheduled))
        platform = PLATFORMS[i % len(PLATFORMS)]
        scheduled_ids += [
            p.pk
            for p in publication_create(user=user, clip=clip, platforms=[platform], scheduled_at=at)
        ]
    wait_final(scheduled_ids, 60)
    lags = [
        (r["started_at"] - r["scheduled_at"]).total_seconds()
        for r in Publication.objects.filter(pk__in=scheduled_ids).values(
            "started_at", "scheduled_at"
        )
        if r["started_at"]
    ]
    control_videos = len(control.videos())

    figures = {
        "publications_per_second": round(published / (last - t_first), 1),
        "burst_publications": len(burst),
        "burst_published": published,
        "burst_create_seconds": round(t_created - t_first, 2),
        "burst_p50_seconds": round(percentile(burst_latencies, 0.5), 3),
        "burst_p95_seconds": round(percentile(burst_latencies, 0.95), 3),
        "p50_seconds": round(percentile(latencies, 0.5), 3),
        "p95_seconds": round(percentile(latencies, 0.95), 3),
        "p99_seconds": round(percentile(latencies, 0.99), 3),
        "latency_publications": len(called),
        "latency_not_published": failed_latency,
        "schedule_lag_p50_seconds": round(percentile(lags, 0.5), 3),
        "schedule_lag_p95_seconds": round(percentile(lags, 0.95), 3),
        "schedule_lag_max_seconds": round(max(lags), 3) if lags else None,
        "noop_roundtrip_p50_seconds": round(statistics.median(floor), 4),
        "noop_roundtrip_p95_seconds": round(percentile(floor, 0.95), 4),
        # How far a publication is above the bare Celery round trip (the floor).
        "p50_over_noop_ratio": round(percentile(latencies, 0.5) / statistics.median(floor), 1),
        "p95_over_noop_ratio": round(percentile(latencies, 0.95) / percentile(floor, 0.95), 1),
        "sandbox_videos": control_videos,
        "expected_videos": len(called) + len(burst) + len(scheduled_ids),
        "targets_met": {
            "publications_per_second": published / (last - t_first) >= TARGET_RATE,
            "p95_seconds": percentile(latencies, 0.95) < TARGET_P95,
            "schedule_lag_p95_seconds": percentile(lags, 0.95) < TARGET_SCHEDULE_LAG,
        },
    }
    print(
        f"floor (no-op task round trip): p50 {figures['noop_roundtrip_p50_seconds']} s, "
        f"p95 {figures['noop_roundtrip_p95_seconds']} s\n"
        f"immediate publish latency ({len(called)} publications at {args.rate * 4:.0f}/s): "
        f"p50 {figures['p50_seconds']} s, p95 {figures['p95_seconds']} s, "
        f"p99 {figures['p99_seconds']} s "
        f"(×{figures['p50_over_noop_ratio']} / ×{figures['p95_over_noop_ratio']} the floor)\n"
        f"throughput ({len(burst)} at once): {figures['publications_per_second']} publications/s\n"
        f"scheduled ({len(lags)}): lag p50 {figures['schedule_lag_p50_seconds']} s, "
        f"p95 {figures['schedule_lag_p95_seconds']} s, max {figures['schedule_lag_max_seconds']} s",
        file=sys.stderr,
    )
    return figures


if __name__ == "__main__":
    main()
