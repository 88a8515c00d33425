"""Which platforms take a clip, by what the probe read (duration, frame, codec).

The limits are the providers' (``media_limits``, docs/media-limits.md). Pages and the API show
these reasons next to each platform; the probe rejects a clip that fits none of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from clipmaker.clips.models import Clip
from platforms.providers import platform_noun, platform_values, provider_class
from platforms.providers.media_limits import MediaFacts


def clip_media_facts(clip: Clip) -> MediaFacts | None:
    """The probed facts of a ready clip; None before the probe (nothing to judge yet)."""
    if not clip.is_ready or clip.duration_seconds is None:
        return None
    return MediaFacts(
        duration_seconds=clip.duration_seconds,
        width=clip.width,
        height=clip.height,
        video_codec=clip.video_codec,
    )


def platform_media_problems(facts: MediaFacts, platform: str) -> list[str]:
    return provider_class(platform).media_limits.problems(facts, noun=platform_noun(platform))


def clip_media_problems(*, clip: Clip, platforms: Sequence[str]) -> dict[str, list[str]]:
    """Why each of ``platforms`` would refuse this clip's video, keyed by platform (only the
    platforms with a problem). Empty for a clip not probed yet."""
    facts = clip_media_facts(clip)
    if facts is None:
        return {}
    found: dict[str, list[str]] = {}
    for platform in dict.fromkeys(platforms):
        if platform in platform_values():
            problems = platform_media_problems(facts, platform)
            if problems:
                found[platform] = problems
    return found


def unacceptable_everywhere(facts: MediaFacts) -> str | None:
    """The refusal when no platform would take a video with these facts, else None."""
    problems = {p: platform_media_problems(facts, p) for p in platform_values()}
    if not all(problems.values()):
        return None
    codec_refused = [p for p in problems.values() if any("кодеке" in m for m in p)]
    if len(codec_refused) == len(problems):
        return (
            f"Видео в кодеке {facts.video_codec.upper()} не принимает ни одна платформа. "
            "Перекодируйте клип в H.264 (MP4) и загрузите его снова."
        )
    reasons = " ".join(dict.fromkeys(msgs[0] for msgs in problems.values()))
    return f"Этот клип не примет ни одна платформа. {reasons}"
