"""Resumable upload benchmark: a large file sent to ``/api/v1/uploads/`` (tus) through gunicorn,
as the page sends it (50 MB ``PATCH``es), with one connection cut mid-way and resumed.

Starts the product with gunicorn (one sync worker) on 127.0.0.1 with a fresh SQLite database in
a temporary ``VAR_DIR``, makes a user and an API token, then uploads a zero-filled file
(1024 MiB by default): ``POST`` to create, ``PATCH``es of ``--chunk-mb`` each, and once, a
request whose connection is closed after half a chunk; a ``HEAD`` then says where to resume.
The web worker's RSS is sampled with psutil every 5 ms. Reported: throughput (MiB/s over the
whole upload, the clip's creation included), the worker's peak RSS growth, and the offset the
server kept after the cut. Targets: peak RSS growth < 64 MB (the body is streamed, never held),
the kept offset equal to the bytes that arrived. The last line printed is one JSON object.

    .venv/bin/python bench/resumable_upload.py [--size-mb 1024] [--chunk-mb 50]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
TARGET_RSS_MB = 64.0
PYTHON = sys.executable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = self.base = self.process.memory_info().rss
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.NoSuchProcess:
                return
            time.sleep(0.005)


def _worker_pid(master: int) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        children = psutil.Process(master).children()
        if children:
            return children[0].pid
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def _cut_patch(port: int, path: str, token: str, offset: int, send: int, total: int) -> None:
    """A PATCH announcing ``total`` bytes whose connection closes after ``send``."""
    head = (
        f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Token {token}\r\n"
        f"Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n"
        f"Content-Type: application/offset+octet-stream\r\nContent-Length: {total}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head.encode())
        block = b"\0" * MIB
        sent = 0
        while sent < send:
            sent += sock.send(block[: min(MIB, send - sent)])
    time.sleep(0.5)  # the server notices the closed connection


def run(size_mb: int, chunk_mb: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-tus-"))
    env = {
        **os.environ,
        "VAR_DIR": str(tmp),
        "CLIP_UPLOAD_DIR": str(tmp / "uploads"),
        "MEDIA_ROOT": str(tmp / "media"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "clipmaker.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    _manage(env, "migrate", "--noinput")
    token = _manage(
        env,
        "shell",
        "-c",
        "from knox.models import AuthToken; from clipmaker.accounts.models import User;"
        "u = User.objects.create_user('bench', password='bench-pass-123');"
        "print(AuthToken.objects.create(user=u)[1])",
    ).split()[-1]
    port = _free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "clipmaker.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "600",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(f"{base}/accounts/login/", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        sampler = RssSampler(_worker_pid(server.pid))
        sampler.start()
        size = size_mb * MIB
        chunk = chunk_mb * MIB
        headers = {"Authorization": f"Token {token}", "Tus-Resumable": "1.0.0"}
        name = base64.b64encode(b"bench.mp4").decode()
        started = time.monotonic()
        created = requests.post(
            f"{base}/api/v1/uploads/",
            headers={**headers, "Upload-Length": str(size), "Upload-Metadata": f"filename {name}"},
            timeout=30,
        )
        created.raise_for_status()
        location = created.headers["Location"]
        path = location.split(str(port), 1)[1]
        offset = 0
        cut_kept = None
        block = b"\0" * chunk
        while offset < size:
            length = min(chunk, size - offset)
            if cut_kept is None and offset >= size // 2:
                _cut_patch(port, path, token, offset, length // 2, length)
                head = requests.head(location, headers=headers, timeout=30)
                cut_kept = int(head.headers["Upload-Offset"]) - offset
                offset += cut_kept
                continue
            answer = requests.patch(
                location,
                data=memoryview(block)[:length],
                headers={
                    **headers,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                },
                timeout=600,
            )
            answer.raise_for_status()
            offset = int(answer.headers["Upload-Offset"])
        seconds = time.monotonic() - started
        clip_id = answer.headers.get("Clip-Id")
        sampler.running = False
        sampler.join()
        growth = (sampler.peak - sampler.base) / MIB
        return {
            "size_mib": size_mb,
            "chunk_mib": chunk_mb,
            "seconds": round(seconds, 2),
            "mib_per_s": round(size_mb / seconds, 1),
            "peak_rss_growth_mib": round(growth, 1),
            "cut_sent_mib": round(chunk / 2 / MIB, 1),
            "cut_kept_mib": round((cut_kept or 0) / MIB, 1),
            "clip_created": bool(clip_id),
            "rss_ok": growth < TARGET_RSS_MB,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, default=50)
    args = parser.parse_args()
    result = run(args.size_mb, args.chunk_mb)
    print(
        f"resumable upload of {result['size_mib']} MiB in {result['chunk_mib']} MiB PATCHes: "
        f"{result['mib_per_s']} MiB/s, worker peak RSS growth {result['peak_rss_growth_mib']} MiB "
        f"(target < {TARGET_RSS_MB:.0f}); cut after {result['cut_sent_mib']} MiB, server kept "
        f"{result['cut_kept_mib']} MiB"
    )
    print(json.dumps(result))
    if not (result["rss_ok"] and result["clip_created"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
