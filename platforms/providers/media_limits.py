"""What video each platform accepts: duration, frame shape and codecs (docs/media-limits.md).

Each provider carries its ``media_limits``; ``media_problems`` turns a probed clip's facts into
the Russian reasons a platform would refuse it. No ORM, no network: the clip's facts come in as
plain values, so pages, the API and the probe share one rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .nouns import Noun


@dataclass(frozen=True)
class MediaFacts:
    """What the probe read from a clip's file."""

    duration_seconds: float | None
    width: int | None
    height: int | None
    video_codec: str = ""


@dataclass(frozen=True)
class MediaLimits:
    """A platform's limits on the video itself (the file size lives on the provider)."""

    max_duration_seconds: float | None = None
    min_duration_seconds: float = 1.0
    # Only frames taller than wide (VK Клипы).
    vertical_only: bool = False
    video_codecs: frozenset[str] = field(default_factory=frozenset)

    def problems(self, facts: MediaFacts, *, noun: Noun) -> list[str]:
        """Why the platform named ``noun`` would refuse a clip with these facts."""
        found: list[str] = []
        duration = facts.duration_seconds
        limit = self.max_duration_seconds
        # Half a second of slack: containers round durations up.
        if limit is not None and duration is not None and duration > limit + 0.5:
            found.append(
                f"Клип длиннее, чем принимает {noun}: {duration_label(duration)} при "
                f"максимуме {duration_label(limit)}. Сократите клип."
            )
        if duration is not None and duration < self.min_duration_seconds:
            found.append(
                f"Клип короче, чем принимает {noun} (минимум "
                f"{duration_label(self.min_duration_seconds)})."
            )
        if self.vertical_only and facts.width and facts.height and facts.width >= facts.height:
            found.append(
                f"{noun} принимает только вертикальные клипы, а этот "
                f"{facts.width}×{facts.height}. Сделайте кадр вертикальным (например, 1080×1920)."
            )
        if self.video_codecs and facts.video_codec and facts.video_codec not in self.video_codecs:
            found.append(
                f"{noun} не принимает видео в кодеке {facts.video_codec.upper()}. "
                "Перекодируйте клип в H.264."
            )
        return found


def duration_label(seconds: float) -> str:
    """«45 с», «3 мин», «2 мин 30 с», «4 ч»: a duration as a user reads it."""
    total = round(seconds)
    if total < 60:
        return f"{total} с"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} ч")
    if minutes:
        parts.append(f"{minutes} мин")
    if secs:
        parts.append(f"{secs} с")
    return " ".join(parts)


# Codecs a platform's player plays back: H.264 everywhere; HEVC, VP9 and AV1 where noted.
H264_ONLY = frozenset({"h264"})
COMMON_CODECS = frozenset({"h264", "hevc", "mpeg4"})
MODERN_CODECS = frozenset({"h264", "hevc", "mpeg4", "vp9", "av1"})
