"""Upload benchmark: memory and throughput of the providers' streamed uploads against curl.

Creates a zero-filled file (500 MB by default) and uploads it to a local HTTP endpoint on
127.0.0.1 that reads and discards the body and answers what each provider expects:

- VK: the upload step (``POST upload_url``, multipart field ``video_file``);
- Telegram: ``sendVideo`` (multipart, field ``video``);
- Дзен: the raw ``PUT upload_url``.

Rutube is not measured: it publishes by URL (Rutube downloads the file itself), so no file bytes
go through the provider.

Each provider upload runs in a fresh subprocess whose RSS is sampled from outside with psutil;
the figure is the peak RSS during the upload minus the RSS just before it. In the same run curl
uploads the same file to the same endpoint (``curl -F field=@file`` / ``curl -T file``); the
throughput ratio is provider MB/s divided by curl MB/s (best of ``--repeat`` runs each).
Targets: peak RSS growth < 32 MB, throughput ratio >= 0.8. The last line printed is one JSON
object with the figures.

    .venv/bin/python bench/upload.py [--size-mb 500] [--repeat 3] [--chunk-kib N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
BOT_TOKEN = "123456:bench-token-not-secret-0123456789abcdef"  # noqa: S105 - fake
TARGET_RSS_MB = 32.0
TARGET_RATIO = 0.8

ANSWERS: dict[str, Any] = {
    "vk": {"video_hash": "bench", "size": 0, "owner_id": 1, "video_id": 2},
    "telegram": {
        "ok": True,
        "result": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": -1001, "type": "channel", "title": "bench", "username": "bench"},
            "video": {"file_id": "f", "file_size": 0, "duration": 1},
        },
    },
    "dzen": {"id": "1", "size": 0},
}
CURL_ARGS = {
    "vk": lambda path, url: ["-F", f"video_file=@{path};type=video/mp4", f"{url}/vk/upload"],
    "telegram": lambda path, url: [
        "-F",
        "chat_id=-1001",
        "-F",
        "supports_streaming=true",
        "-F",
        f"video=@{path};type=video/mp4",
        f"{url}/telegram/bot{BOT_TOKEN}/sendVideo",
    ],
    "dzen": lambda path, url: [
        "-T",
        str(path),
        "-H",
        "Content-Type: video/mp4",
        f"{url}/dzen/api/v1/upload/1",
    ],
}


# --- The discard endpoint ---------------------------------------------------------------------


class DiscardHandler(BaseHTTPRequestHandler):
    """Reads the whole body into a reused buffer, drops it, answers like the platform."""

    protocol_version = "HTTP/1.1"  # lets curl's "Expect: 100-continue" get its 100 at once

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _discard_body(self) -> int:
        remaining = int(self.headers.get("Content-Length") or 0)
        buffer = memoryview(bytearray(MIB))
        total = 0
        while remaining > 0:
            got = self.rfile.readinto(buffer[: min(MIB, remaining)])
            if not got:
                break
            remaining -= got
            total += got
        return total

    def _answer(self) -> None:
        received = self._discard_body()
        path = self.path
        platform_name = (
            "vk" if path.startswith("/vk/") else "telegram" if "/telegram/" in path else "dzen"
        )
        body = json.dumps(ANSWERS[platform_name]).encode()
        if received != int(self.headers.get("Content-Length") or 0):
            self.send_error(400, "short body")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = _answer
    do_PUT = _answer


def write_real_video(path: Path, size: int) -> None:
    """A real one-second MP4 made with PyAV, padded to ``size`` with an MP4 ``free`` box that
    players and the probe skip: the same bytes a user's clip of that size would send."""
    import struct

    sys.path.insert(0, str(ROOT))
    from clipmaker.clips.demo import make_tiny_video

    video = make_tiny_video()
    padding = size - len(video)
    with open(path, "wb") as f:
        f.write(video)
        if padding >= 16:
            f.write(struct.pack(">I4sQ", 1, b"free", padding))
            zeros = bytes(MIB)
            left = padding - 16
            while left > 0:
                f.write(zeros[: min(MIB, left)])
                left -= min(MIB, left)


def serve() -> None:
    """Run the endpoint in this process (its own, so sampling RSS never competes with it)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), DiscardHandler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}"


# --- The child: one provider upload in a fresh process ----------------------------------------


def child(platform_name: str, base_url: str, file_path: str, chunk_kib: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipmaker.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from platforms.providers import (
        ClipFile,
        Credentials,
        PlatformHandle,
        PublishMeta,
        get_provider,
    )

    settings.TELEGRAM_API_URL = f"{base_url}/telegram"
    settings.DZEN_API_URL = f"{base_url}/dzen/api"
    size = os.path.getsize(file_path)
    clip = ClipFile(name=file_path, size=size, open=lambda: open(file_path, "rb"))  # noqa: SIM115
    provider = get_provider(platform_name)
    if int(chunk_kib):
        provider.upload_chunk_size = int(chunk_kib) * 1024  # type: ignore[misc]
    sent: list[int] = []

    def run() -> None:
        if platform_name == "vk":
            handle = PlatformHandle(id="1_2", data={"upload_url": f"{base_url}/vk/upload"})
            with clip.open() as fileobj:
                provider.upload(handle, fileobj=fileobj, clip=clip, progress=sent.append)  # type: ignore[attr-defined]
        elif platform_name == "telegram":
            provider.publish(
                credentials=Credentials(access_token=BOT_TOKEN, extra={"chat_id": -1001}),
                clip=clip,
                meta=PublishMeta(title="bench", description=""),
                resume=None,
                progress=sent.append,
                on_handle=lambda handle: None,
            )
        else:
            handle = PlatformHandle(id="1", data={"upload_url": f"{base_url}/dzen/api/v1/upload/1"})
            with clip.open() as fileobj:
                provider.upload(  # type: ignore[attr-defined]
                    Credentials(access_token="bench"),  # noqa: S106 - fake
                    handle,
                    fileobj=fileobj,
                    clip=clip,
                    progress=sent.append,
                )

    print("READY", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    print(json.dumps({"elapsed": elapsed, "progress_end": sent[-1] if sent else 0}), flush=True)


def run_provider(
    platform_name: str, base_url: str, file_path: Path, chunk_kib: int
) -> dict[str, float]:
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            platform_name,
            base_url,
            str(file_path),
            str(chunk_kib),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdin and proc.stdout
    line = proc.stdout.readline()
    if line.strip() != "READY":
        proc.kill()
        raise RuntimeError(f"{platform_name} child failed to start: {line!r}")
    watched = psutil.Process(proc.pid)
    baseline = watched.memory_info().rss
    peak = baseline
    result: dict[str, Any] = {}

    def read_result() -> None:
        result.update(json.loads(proc.stdout.readline()))  # type: ignore[union-attr]

    reader = threading.Thread(target=read_result)
    proc.stdin.write("GO\n")
    proc.stdin.flush()
    reader.start()
    while reader.is_alive():
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.005)
    reader.join()
    proc.wait(timeout=30)
    if proc.returncode != 0 or "elapsed" not in result:
        raise RuntimeError(f"{platform_name} upload failed (exit {proc.returncode})")
    size = file_path.stat().st_size
    if result["progress_end"] != size:
        raise RuntimeError(
            f"{platform_name}: progress ended at {result['progress_end']}, not {size}"
        )
    return {
        "seconds": result["elapsed"],
        "mb_per_s": size / MIB / result["elapsed"],
        "rss_growth_mb": (peak - baseline) / MIB,
    }


def run_curl(platform_name: str, base_url: str, file_path: Path) -> dict[str, float]:
    out = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            "--fail",
            "-o",
            os.devnull,
            "-w",
            "%{time_total}",
            *CURL_ARGS[platform_name](file_path, base_url),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = float(out.stdout.strip())
    return {"seconds": seconds, "mb_per_s": file_path.stat().st_size / MIB / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--chunk-kib",
        type=int,
        default=0,
        help="override the providers' read chunk (KiB) to see its effect; 0 = their own",
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.serve:
        serve()
        return

    server, base_url = start_server()
    print(
        f"machine: {platform.platform()}, {psutil.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.1f} GiB RAM, Python {platform.python_version()}"
    )
    print("rutube: not measured, it publishes by URL (Rutube downloads the file itself)")
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as tmp:
        file_path = Path(tmp) / "clip.mp4"
        write_real_video(file_path, args.size_mb * MIB)
        chunk = f"{args.chunk_kib} KiB" if args.chunk_kib else "the providers' own"
        print(
            f"file: {args.size_mb} MiB (a real MP4 padded with a free box), endpoint {base_url}, read chunk: {chunk}"
        )
        for name in ("vk", "telegram", "dzen"):
            # Interleaved, so a noisy neighbour slows both sides alike.
            provider_runs, curl_runs = [], []
            for _ in range(args.repeat):
                provider_runs.append(run_provider(name, base_url, file_path, args.chunk_kib))
                curl_runs.append(run_curl(name, base_url, file_path))
            best = max(r["mb_per_s"] for r in provider_runs)
            curl_best = max(r["mb_per_s"] for r in curl_runs)
            rss = max(r["rss_growth_mb"] for r in provider_runs)
            figures[name] = {
                "peak_rss_growth_mb": round(rss, 1),
                "throughput_ratio_vs_curl": round(best / curl_best, 2),
                "provider_mb_per_s": round(best, 0),
                "curl_mb_per_s": round(curl_best, 0),
            }
            ok = rss < TARGET_RSS_MB and best / curl_best >= TARGET_RATIO
            print(
                f"{name}: provider {best:.0f} MiB/s, curl {curl_best:.0f} MiB/s, "
                f"ratio {best / curl_best:.2f}, peak RSS growth {rss:.1f} MiB "
                f"({'meets' if ok else 'MISSES'} targets: < {TARGET_RSS_MB:.0f} MiB, "
                f">= {TARGET_RATIO})"
            )
    server.terminate()
    server.wait(timeout=10)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
