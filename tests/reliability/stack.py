"""The product as it runs in production, started from scratch for the chaos suite.

``Stack`` starts, in a temporary directory of its own:

* a private ``redis-server`` on a free port (never the shared one), which the suite kills and
  restarts empty;
* a private PostgreSQL cluster (``initdb``/``pg_ctl`` as the ``postgres`` user when run as root),
  which the suite restarts mid-task;
* ``migrate`` + ``install_schedules``, then gunicorn (the site and the platform sandbox), the
  upload worker (prefork, 2 processes, the platform and ``default`` queues), the control worker
  (``control`` queue) and beat — the same commands as ``make run``/production;

all with the engine's timings shrunk (``TIMINGS``). Each process is a handle that can be
SIGKILLed (main process or one pool child) and started again.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from glob import glob
from pathlib import Path
from typing import Any

import psutil

BASE_DIR = Path(__file__).resolve().parents[2]
PY = sys.executable

# The engine's timings, in seconds instead of minutes. The lease outlives the hard time limit
# (only a dead worker's claim expires); a killed worker's row is back within lease + reaper.
TIMINGS: dict[str, str] = {
    "PUBLISH_RETRY_DELAYS": "1,2,3",
    "PUBLISH_LEASE_SECONDS": "14",
    "CELERY_TASK_SOFT_TIME_LIMIT": "9",
    "CELERY_TASK_TIME_LIMIT": "12",
    "PUBLISH_REAP_INTERVAL_SECONDS": "1",
    "DISPATCH_INTERVAL_SECONDS": "1",
    "PUBLISH_REDELIVER_SECONDS": "6",
    "PUBLISH_CHECK_INTERVAL_SECONDS": "0.5",
    "PUBLISH_PROCESSING_TIMEOUT_SECONDS": "120",
    "PUBLISH_RATE_LIMITED_GIVE_UP_SECONDS": "120",
    "CELERY_VISIBILITY_TIMEOUT": "20",
    "SANDBOX_PROCESSING_SECONDS": "0.3",
    "STATS_SYNC_INTERVAL_SECONDS": "3600",
}
LEASE = float(TIMINGS["PUBLISH_LEASE_SECONDS"])
REAP = float(TIMINGS["PUBLISH_REAP_INTERVAL_SECONDS"])
MAX_ATTEMPTS = 1 + len(TIMINGS["PUBLISH_RETRY_DELAYS"].split(","))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout}s")


class Proc:
    """One long-running process (its own process group), its output appended to a log file."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log: Path, ready: str):
        self.name, self.cmd, self.env, self.log_path, self.ready = name, cmd, env, log, ready
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, timeout: float = 60.0) -> Proc:
        offset = len(self.log)
        with self.log_path.open("ab") as out:
            self.popen = subprocess.Popen(
                self.cmd,
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while self.ready and self.ready not in self.log[offset:]:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready in {timeout}s:\n{self.log[-3000:]}")
            time.sleep(0.1)
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def children(self) -> list[int]:
        if self.popen is None:
            return []
        with contextlib.suppress(psutil.NoSuchProcess):
            return [c.pid for c in psutil.Process(self.popen.pid).children()]
        return []

    def kill_main(self) -> None:
        """SIGKILL the main process only (its pool children are orphaned, as in a real crash)."""
        assert self.popen is not None
        children = self.children()
        os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)
        # Prefork children notice their parent is gone; make sure none lingers on.
        time.sleep(0.5)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.popen = None

    def kill_child(self) -> int | None:
        """SIGKILL one pool child (the main process replaces it)."""
        children = self.children()
        if not children:
            return None
        os.kill(children[0], signal.SIGKILL)
        return children[0]

    def stop(self) -> None:
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=8)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
        self.popen = None


class PrivateRedis:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.root = root
        self.proc = Proc(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(root),
            ],
            dict(os.environ),
            root / "redis.log",
            "Ready to accept connections",
        )
        # Every command Redis receives (broker messages included), for the token check.
        self.monitor = Proc(
            "redis-monitor",
            ["redis-cli", "-p", str(self.port), "monitor"],
            dict(os.environ),
            root / "redis-monitor.txt",
            "OK",
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc.start()
        self.monitor.start()

    def kill(self) -> None:
        """SIGKILL: everything in it (queues, unacked messages, buckets, locks) is gone."""
        if self.proc.popen is not None:
            self.proc.popen.kill()
            self.proc.popen.wait(timeout=10)
            self.proc.popen = None
        self.monitor.stop()

    def stop(self) -> None:
        self.kill()


def _pg_bin(name: str) -> str:
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else (shutil.which(name) or name)


class PrivatePostgres:
    """A throwaway cluster in a temporary directory, run as ``postgres`` when we are root."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="chaos-pg-"))
        self.dir.chmod(0o755)
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        cmd = ["runuser", "-u", "postgres", "--", *args] if self.as_postgres else list(args)
        return subprocess.run(cmd, check=check, capture_output=True, timeout=120)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/chaos"

    def init(self) -> None:
        self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"
        )
        self.start()
        self._run(
            _pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "chaos"
        )

    def start(self) -> None:
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run(
            _pg_bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.log), "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart_crash(self, down_seconds: float = 1.0) -> None:
        """Stop without a clean shutdown (every connection cut), stay down a moment, start."""
        self.stop("immediate")
        time.sleep(down_seconds)
        self.start()

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class Stack:
    """Redis, PostgreSQL, gunicorn, the two workers and beat; ``close()`` stops them all."""

    def __init__(self, root: Path, *, web_workers: int = 2) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.redis = PrivateRedis(root)
        self.pg = PrivatePostgres()
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.control_token = secrets.token_urlsafe(16)
        self.env = self._env(web_workers)
        self.procs: dict[str, Proc] = {}

    def _env(self, web_workers: int) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTEST", "DJANGO_", "CELERY_", "PUBLISH_", "SANDBOX_"))
            and k not in ("DATABASE_URL", "REDIS_URL", "TESTING", "CI")
        }
        var = self.root / "var"
        var.mkdir(exist_ok=True)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "clipmaker.settings",
                "DEBUG": "0",
                "DATABASE_URL": self.pg.url,
                "REDIS_URL": self.redis.url,
                "VAR_DIR": str(var),
                "MEDIA_ROOT": str(var / "media"),
                "SECRET_KEY": secrets.token_urlsafe(40),
                "PLATFORM_TOKEN_SECRET": secrets.token_hex(32),
                "SANDBOX_CONTROL_TOKEN": self.control_token,
                "SANDBOX_STATE_PATH": str(var / "sandbox.sqlite3"),
                "PLATFORM_SANDBOX": "1",
                "PUBLIC_BASE_URL": self.base_url,
                "PYTHONUNBUFFERED": "1",
                "LOG_LEVEL": "INFO",
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "WEB_CONCURRENCY": str(web_workers),
                "GUNICORN_THREADS": "8",
                "GUNICORN_TIMEOUT": "60",
                **TIMINGS,
            }
        )
        return env

    # --- life cycle -----------------------------------------------------------------------
    def start(self) -> Stack:
        self.redis.start()
        self.pg.init()
        self.manage("migrate", "--noinput")
        self.manage("install_schedules")
        self.procs = {
            "web": self._proc(
                "web",
                [
                    PY,
                    "-m",
                    "gunicorn",
                    "-c",
                    "python:clipmaker.gunicorn_conf",
                    "clipmaker.wsgi",
                ],
                "Booting worker",
            ),
            "worker": self._worker("worker", self.upload_queues(), 2),
            "control": self._worker("control", "control", 1),
            "beat": self._beat("beat"),
        }
        for proc in self.procs.values():
            proc.start()
        wait_port(self.port)
        return self

    def upload_queues(self) -> str:
        out = self.python(
            "-c",
            "from clipmaker.queues import *; print(','.join(q for q in worker_queues() if q != CONTROL_QUEUE))",
        )
        return out.strip().splitlines()[-1]

    def _proc(self, name: str, cmd: list[str], ready: str) -> Proc:
        return Proc(name, cmd, self.env, self.root / f"{name}.log", ready)

    def _worker(self, name: str, queues: str, concurrency: int) -> Proc:
        cmd = [
            PY, "-m", "celery", "-A", "clipmaker", "worker", "--loglevel", "INFO",
            "-Q", queues, "-c", str(concurrency), "-P", "prefork", "-n", f"{name}@%h",
            "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        return self._proc(name, cmd, " ready.")

    def _beat(self, name: str) -> Proc:
        cmd = [
            PY, "-m", "celery", "-A", "clipmaker", "beat", "--loglevel", "INFO",
            "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
            "--pidfile", str(self.root / f"{name}.pid"), "--max-interval", "1",
        ]  # fmt: skip
        return self._proc(name, cmd, "")

    def add_beat(self) -> Proc:
        """A second beat process (two beats running at once by mistake)."""
        proc = self._beat("beat2")
        self.procs["beat2"] = proc
        return proc.start()

    def close(self) -> None:
        for proc in reversed(list(self.procs.values())):
            proc.stop()
        self.redis.stop()
        self.pg.destroy()

    # --- helpers --------------------------------------------------------------------------
    def python(self, *args: str, timeout: float = 600, stdin: str | None = None) -> str:
        done = subprocess.run(
            [PY, *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            timeout=timeout,
            input=stdin.encode() if stdin is not None else None,
        )
        if done.returncode:
            raise RuntimeError(
                f"{args} failed:\n{done.stdout.decode()[-2000:]}\n{done.stderr.decode()[-4000:]}"
            )
        return done.stdout.decode()

    def manage(self, *args: str) -> str:
        return self.python("manage.py", *args)

    def driver(self, *args: str, stdin: Any = None, timeout: float = 600) -> Any:
        """Run a driver command; its last line of output is JSON."""
        text = json.dumps(stdin) if stdin is not None else None
        out = self.python("-m", "tests.reliability.driver", *args, timeout=timeout, stdin=text)
        return json.loads(out.strip().splitlines()[-1])

    def logs(self) -> Iterator[tuple[str, str]]:
        for path in sorted(self.root.glob("*.log")):
            yield path.name, path.read_text(errors="replace")

    def db(self) -> Any:
        import psycopg

        return psycopg.connect(
            self.pg.url.replace("postgres://", "postgresql://"), autocommit=True, connect_timeout=5
        )
