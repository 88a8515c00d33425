"""Small generated demo videos (the ffmpeg binary shipped by imageio-ffmpeg)."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import imageio_ffmpeg

SOURCES = ("testsrc2", "smptebars", "rgbtestsrc", "testsrc")


def make_demo_video(
    path: Path, *, seconds: int = 4, source: str = "testsrc2", pad_to_bytes: int | None = None
) -> Path:
    """A vertical 720x1280 H.264 MP4; ``pad_to_bytes`` appends a ``free`` box (players skip it)
    so a file can be made large enough to exceed a platform's limit without minutes of encoding."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run(  # noqa: S603 - fixed arguments, our own binary
        [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"{source}=size=720x1280:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
        timeout=120,
    )
    if pad_to_bytes:
        size = path.stat().st_size
        padding = pad_to_bytes - size
        if padding > 16:
            with path.open("ab") as fh:
                fh.write(struct.pack(">I4sQ", 1, b"free", padding))
                fh.truncate(pad_to_bytes)  # zero-filled (sparse where the filesystem allows)
    return path
