"""Run web, the two workers and beat together for `make run`; Ctrl-C stops them all.

Set-up first (migrate, schedules, demo data, an empty metrics directory), then the processes
with their output prefixed: ``worker`` takes the uploads (platform queues and ``default``),
``control`` the dispatcher, reaper, checks, stats and token refresh, as in production. If one
of them dies the others are stopped too, so nothing is left half running. Beat's schedule is
installed from the settings (``DISPATCH_INTERVAL_SECONDS``, ``PUBLISH_REAP_INTERVAL_SECONDS``...),
so ``PUBLISH_REAP_INTERVAL_SECONDS=5 make run`` reaps every 5 seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)  # noqa: S603


def _pump(name: str, proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdout is not None
    for line in iter(proc.stdout.readline, b""):
        sys.stdout.write(f"{name:>6} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def _fresh_metrics_dir() -> None:
    """The processes about to start share one metrics directory; start it empty. Settings
    also put its path into the environment the processes inherit."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipmaker.settings")
    from django.conf import settings

    from clipmaker.metrics.multiproc import metrics_dir_prepare

    assert settings.METRICS_DIR
    metrics_dir_prepare(clean=True)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipmaker.settings")
    from clipmaker.queues import CONTROL_CONCURRENCY, CONTROL_QUEUE, upload_queues

    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("PORT", port)
    manage("migrate", "--noinput")
    manage("install_schedules")
    manage("seed_demo")
    _fresh_metrics_dir()
    concurrency = os.environ.get("WORKER_CONCURRENCY", "2")
    commands = {
        "web": [PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [
            PY,
            "-m",
            "celery",
            "-A",
            "clipmaker",
            "worker",
            "--loglevel",
            "INFO",
            "-Q",
            ",".join(upload_queues()),
            "--concurrency",
            concurrency,
            "-n",
            "worker@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        "control": [
            PY,
            "-m",
            "celery",
            "-A",
            "clipmaker",
            "worker",
            "--loglevel",
            "INFO",
            "-Q",
            CONTROL_QUEUE,
            "--concurrency",
            str(CONTROL_CONCURRENCY),
            "-n",
            "control@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [
            PY,
            "-m",
            "celery",
            "-A",
            "clipmaker",
            "beat",
            "--loglevel",
            "INFO",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
        ],
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    for name, cmd in commands.items():
        procs[name] = subprocess.Popen(  # noqa: S603
            cmd,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(target=_pump, args=(name, procs[name]), daemon=True).start()
    print(f"\nКлипМейкер: http://127.0.0.1:{port}/  (Ctrl-C stops every process)\n", flush=True)

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            dead = [n for n, p in procs.items() if p.poll() is not None]
            if dead:
                print(f"{', '.join(dead)} exited; stopping the others.", flush=True)
                break
            time.sleep(0.5)
    finally:
        # SIGTERM to each leader only: celery then stops its own pool children (warm shutdown).
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.time() + 15
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
