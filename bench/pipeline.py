"""Pipeline benchmark: publish call → ``published``, through real processes on this machine.

Starts, each as its own process: the product under gunicorn serving the platform sandbox
(``SANDBOX_PROCESSING_SECONDS=0``), a Celery worker with 2 processes on every queue (the
platforms' and ``control``), and celery beat with the DatabaseScheduler (the dispatcher ticks
every ``DISPATCH_INTERVAL_SECONDS``), on PostgreSQL and Redis, with the platform rate limits
lifted. It creates (drops and recreates) the database named in ``--database-url``. Then, from
this process:

1. a no-op Celery task's round trip (send → worker → result in Redis), ``--noop`` times;
2. ``--rounds`` rounds of, side by side:
   a. latency: ``--clips`` clips published to the four platforms one clip at a time,
      ``--rate`` clips per second (below capacity), time from the ``publication_create`` call
      to each publication's ``published_at``, per platform;
   b. the floor: the provider calls the engine makes for ``--burst`` clips × 4 platforms (same
      sandbox server, same clip, same credentials; publish, then check until published), by
      ``--floor-processes`` processes (2, as many as the worker's) with no Celery and no
      database;
   c. throughput: ``--burst`` clips × 4 platforms published at once; publications per second
      from the first call to the last ``published_at``;
   each figure is the best of its rounds (the machine is shared: load only ever slows a round);
   ``engine_vs_floor_ratio`` is the engine's publications/s over the floor's;
3. schedule precision: ``--scheduled`` publications scheduled 5-15 s ahead; lag = the moment
   the worker claimed each one (``started_at``) minus its ``scheduled_at``.

Targets: ``engine_vs_floor_ratio`` ≥ 0.6; p95 call → published < 0.35 s for VK, Telegram and
Дзен (Rutube is reported apart: it downloads the clip itself, so it waits for the platform);
≥ 25 publications/s; p95 < 1 s over all platforms; a scheduled publication starting within 2 s
of its time. Every round must publish every publication exactly once (``sandbox_videos`` =
``expected_videos``). The last line printed is one JSON object with the figures.

    .venv/bin/python bench/pipeline.py [--database-url postgres://...] [--redis-url redis://...]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline_run import run
from pipeline_support import (
    ROOT,
    ensure_database,
    free_port,
    start,
    stop,
)


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
    parser.add_argument("--floor-processes", type=int, default=2, help="as many as the worker's")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of latency, floor, burst")
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
    import django

    django.setup()
    from publishing.queue import worker_queues

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
                ",".join(worker_queues()), "-c", "2", "-n", "bench@%h",
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


if __name__ == "__main__":
    main()
