"""Reading what a video file is without loading it: the MP4/MOV box headers."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

CONTAINER_BOXES = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}


class UnsupportedVideo(ValueError):
    """Not an MP4/MOV file we can publish."""


@dataclass(frozen=True)
class VideoInfo:
    duration_seconds: float | None
    width: int | None
    height: int | None


def _boxes(f: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        header = f.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        header_len = 8
        if size == 1:
            size = struct.unpack(">Q", f.read(8))[0]
            header_len = 16
        elif size == 0:
            size = end - pos
        if size < header_len:
            return
        yield kind, pos + header_len, pos + size
        pos += size


# Real files nest moov/trak/mdia/minf/stbl: a handful of levels.
MAX_BOX_DEPTH = 16
NOT_VIDEO = "Поддерживаются только видео MP4 и MOV. Этот файл не похож на видео."
DAMAGED = "Файл видео повреждён или не дописан. Экспортируйте клип заново и загрузите ещё раз."


def probe(f: BinaryIO, size: int) -> VideoInfo:
    """Duration and frame size of an MP4/MOV; raises UnsupportedVideo for anything else."""
    f.seek(0)
    head = f.read(12)
    if len(head) < 12 or head[4:8] not in (b"ftyp", b"moov", b"free", b"mdat", b"wide"):
        raise UnsupportedVideo(NOT_VIDEO)
    duration: float | None = None
    width = height = None

    def walk(start: int, end: int, depth: int = 0) -> None:
        nonlocal duration, width, height
        if depth > MAX_BOX_DEPTH:
            raise UnsupportedVideo(DAMAGED)
        for kind, body, box_end in _boxes(f, start, end):
            if kind == b"mvhd":
                f.seek(body)
                version = f.read(1)[0]
                f.seek(body + 4)
                if version == 1:
                    _, _, timescale, dur = struct.unpack(">QQIQ", f.read(28))
                else:
                    _, _, timescale, dur = struct.unpack(">IIII", f.read(16))
                if timescale:
                    duration = dur / timescale
            elif kind == b"tkhd" and width is None:
                f.seek(box_end - 8)
                w, h = struct.unpack(">II", f.read(8))
                if w and h:
                    width, height = w >> 16, h >> 16
            elif kind in CONTAINER_BOXES:
                walk(body, box_end, depth + 1)

    try:
        walk(0, size)
    except (IndexError, struct.error, OverflowError, ValueError) as exc:
        # A box cut short or with impossible sizes: a damaged file, not our error.
        raise UnsupportedVideo(DAMAGED) from exc
    return VideoInfo(duration_seconds=duration, width=width, height=height)
