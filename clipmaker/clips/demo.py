"""Small generated demo videos: the ffmpeg binary shipped by imageio-ffmpeg for the demo clips,
and PyAV for the tiny clips that tests and benchmarks upload."""

from __future__ import annotations

import io
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import av
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


def make_tiny_video(
    *,
    width: int = 72,
    height: int = 128,
    seconds: float = 1.0,
    fps: int = 10,
    codec: str = "libx264",
    audio: bool = False,
) -> bytes:
    """A real, whole MP4 of a few kilobytes (vertical by default), made in memory with PyAV:
    what the probe accepts, for tests and benchmarks that upload many clips."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream(codec, rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = width, height
        # Motion JPEG wants full-range frames; every other encoder here takes yuv420p.
        pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        stream.pix_fmt = pix_fmt
        if codec == "libx264":
            stream.options = {"preset": "ultrafast"}
        sound = None
        if audio:
            sound = container.add_stream("aac", rate=44100)
            assert isinstance(sound, av.AudioStream)
            sound.layout = "mono"
        frames = max(1, round(seconds * fps))
        for index in range(frames):
            frame = av.VideoFrame(width, height, pix_fmt)
            shade = (index * 255) // frames
            for plane, value in zip(frame.planes, (shade, 128, 128), strict=True):
                plane.update(bytes([value]) * plane.buffer_size)
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if sound is not None:
            samples = int(44100 * seconds)
            for start in range(0, samples, 1024):
                chunk = av.AudioFrame(format="fltp", layout="mono", samples=1024)
                chunk.planes[0].update(bytes(4 * 1024))
                chunk.sample_rate = 44100
                chunk.pts = start
                container.mux(sound.encode(chunk))
            container.mux(sound.encode(None))
    return buffer.getvalue()
