"""Reading what a video file really is, with FFmpeg's demuxer and decoders (PyAV).

``probe`` opens the file with the MP4/MOV demuxer only (no format guessing: a playlist or any
other container named ``.mp4`` is never interpreted), reads duration, frame size and codecs,
decodes the first video frame, and reads the last packets to catch a file that was cut short.
It never loads the file into memory and reads little more than the index and two groups of
frames. It runs in a Celery task (``clipmaker.clips.tasks.probe_clip``), never in a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

import av

# libavformat's MP4/MOV/3GP demuxer.
MOV_FORMAT = "mov"
# How much of the end of the file is read to check that it is whole.
TAIL_SECONDS = 2.0

NOT_VIDEO = (
    "Поддерживаются только видео MP4 и MOV. Этот файл не похож на видео: сохраните клип в MP4 "
    "(H.264) и загрузите его снова."
)
NO_VIDEO_STREAM = "В файле нет видеодорожки. Экспортируйте клип с видео и загрузите его снова."
DAMAGED = "Файл видео повреждён или не дописан. Экспортируйте клип заново и загрузите ещё раз."
NO_DURATION = (
    "Не удалось определить длительность видео: файл повреждён или не дописан. Экспортируйте "
    "клип заново и загрузите ещё раз."
)


class UnsupportedVideo(ValueError):
    """Not a video any platform would take; the message is for the user (Russian)."""


@dataclass(frozen=True)
class VideoInfo:
    duration_seconds: float
    width: int
    height: int
    video_codec: str
    audio_codec: str


def probe(source: str | BinaryIO) -> VideoInfo:
    """What the MP4/MOV at ``source`` (a path or a seekable binary file) holds.

    Raises ``UnsupportedVideo`` for anything that is not a whole, decodable video.
    """
    looks_like_mp4 = _starts_like_mp4(source)
    if looks_like_mp4 and not _boxes_fill_the_file(source):
        raise UnsupportedVideo(DAMAGED)
    try:
        container = av.open(source, mode="r", format=MOV_FORMAT)
    except FileNotFoundError:
        raise
    except (av.FFmpegError, OSError, ValueError) as exc:
        # An MP4 whose index never arrived (cut short before its moov box) is damaged, not alien.
        raise UnsupportedVideo(DAMAGED if looks_like_mp4 else NOT_VIDEO) from exc
    try:
        if not container.streams and looks_like_mp4:
            raise UnsupportedVideo(DAMAGED)
        return _read(container)
    except UnsupportedVideo:
        raise
    except (av.FFmpegError, OSError, ValueError, OverflowError, MemoryError) as exc:
        raise UnsupportedVideo(DAMAGED) from exc
    finally:
        container.close()


MP4_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide")


def _starts_like_mp4(source: str | BinaryIO) -> bool:
    if isinstance(source, str):
        with open(source, "rb") as fh:
            head = fh.read(12)
    else:
        source.seek(0)
        head = source.read(12)
        source.seek(0)
    return len(head) >= 8 and head[4:8] in MP4_FIRST_BOXES


# Real files have a handful of top-level boxes (fragmented ones a few per second of video).
MAX_TOP_LEVEL_BOXES = 200_000


def _boxes_fill_the_file(source: str | BinaryIO) -> bool:
    """Whether the top-level boxes end exactly at the end of the file: a file cut anywhere
    (even in a trailing metadata box the demuxer would skip) ends inside its last box."""
    fh: Any = open(source, "rb") if isinstance(source, str) else source  # noqa: SIM115
    try:
        size = fh.seek(0, 2)
        pos = 0
        for _ in range(MAX_TOP_LEVEL_BOXES):
            if pos == size:
                return True
            fh.seek(pos)
            header = fh.read(16)
            if len(header) < 8:
                return False
            box_size = int.from_bytes(header[:4], "big")
            if box_size == 1:
                if len(header) < 16:
                    return False
                box_size = int.from_bytes(header[8:16], "big")
            elif box_size == 0:  # "to the end of the file"
                return True
            if box_size < 8 or pos + box_size > size:
                return False
            pos += box_size
        return False
    finally:
        if isinstance(source, str):
            fh.close()
        else:
            fh.seek(0)


def _read(container: Any) -> VideoInfo:
    if not container.streams.video:
        raise UnsupportedVideo(NO_VIDEO_STREAM if container.streams else NOT_VIDEO)
    video = container.streams.video[0]
    width, height = int(video.codec_context.width or 0), int(video.codec_context.height or 0)
    if width < 2 or height < 2:
        raise UnsupportedVideo(DAMAGED)
    duration = _duration(container, video)
    if duration is None or duration <= 0:
        raise UnsupportedVideo(NO_DURATION)
    audio = container.streams.audio[0] if container.streams.audio else None

    _decode_first_frame(container, video)
    _check_tail(container, video, duration)
    return VideoInfo(
        duration_seconds=round(duration, 3),
        width=width,
        height=height,
        video_codec=video.codec_context.name or "",
        audio_codec=(audio.codec_context.name or "") if audio is not None else "",
    )


def _duration(container: Any, video: Any) -> float | None:
    if video.duration is not None and video.time_base:
        return float(video.duration * video.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _decode_first_frame(container: Any, video: Any) -> None:
    for packet in container.demux(video):
        if packet.is_corrupt:
            raise UnsupportedVideo(DAMAGED)
        for _frame in packet.decode():
            return
        if packet.size == 0:  # the flush packet at the end: nothing decoded at all
            break
    raise UnsupportedVideo(DAMAGED)


def _check_tail(container: Any, video: Any, duration: float) -> None:
    """Seek to the last seconds and read every packet to the end: a file cut short ends early
    or with a packet the demuxer marks corrupt."""
    target = max(0.0, duration - TAIL_SECONDS)
    container.seek(int(target / video.time_base), stream=video, backward=True, any_frame=False)
    last_end: float | None = None
    for packet in container.demux():  # every stream: audio cut short is damage too
        if packet.size == 0:
            continue
        if packet.is_corrupt:
            raise UnsupportedVideo(DAMAGED)
        if packet.stream.index == video.index and packet.pts is not None:
            end = float((packet.pts + (packet.duration or 0)) * video.time_base)
            last_end = end if last_end is None else max(last_end, end)
    if last_end is None:
        raise UnsupportedVideo(DAMAGED)
    start = float(video.start_time * video.time_base) if video.start_time else 0.0
    # The last frame must reach the stated end (within a frame or two of rounding).
    if last_end - start < duration - 0.25:
        raise UnsupportedVideo(DAMAGED)
