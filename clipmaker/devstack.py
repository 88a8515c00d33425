"""Run web, worker and beat together for `make run`; Ctrl-C stops all three.

Set-up first (migrate, schedules, demo data), then the three processes with their output
prefixed. If one of them dies the others are stopped too, so nothing is left half running.
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


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipmaker.settings")
    from clipmaker.queues import worker_queues

    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("PORT", port)
    manage("migrate", "--noinput")
    manage("install_schedules")
    manage("seed_demo")
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
            ",".join(worker_queues()),
            "--concurrency",
            concurrency,
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
    print(
        f"\nКлипМейкер: http://127.0.0.1:{port}/  (Ctrl-C stops web, worker and beat)\n", flush=True
    )

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
