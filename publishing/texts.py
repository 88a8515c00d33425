"""Per-platform text: the overrides a user writes for a platform over the shared title and
description, their validation, the previews of the publish panel, and what is sent.

Every cut and every count comes from the platform's adapter (``text_sent``, ``text_length``,
``text_limits`` in ``platforms/providers/texts.py``): the preview shows exactly what the publish
call sends, and the attempt's claim records that same text as ``sent_title``/
``sent_description`` (``attempt.publication_execute``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from platforms.providers import (
    Noun,
    PlatformProvider,
    SentText,
    is_platform,
    platform_label,
    platform_values,
    provider_class,
)
from publishing.models import Publication

Texts = dict[str, dict[str, str]]
PARTS = ("title", "description")
TITLE_MAX = 255  # Publication.title


def texts_clean(raw: Mapping[str, Any] | None) -> Texts:
    """The overrides as stored: per platform, only the parts given with some text.

    A blank part means "use the shared text", on the page (an empty input) and in the API alike.
    """
    cleaned: Texts = {}
    for platform, parts in (raw or {}).items():
        if not isinstance(parts, Mapping):
            continue
        kept = {
            part: str(parts[part]) for part in PARTS if parts.get(part) and str(parts[part]).strip()
        }
        if kept:
            cleaned[str(platform)] = kept
    return cleaned


def texts_problems(
    texts: Texts,
    *,
    title: str,
    description: str,
    modes: Mapping[str, Collection[str]] | None = None,
) -> dict[str, list[str]]:
    """Why each platform's own text cannot be sent (Russian), keyed by platform.

    A text written for one platform must fit it: the shared text (``title``, ``description``)
    is cut to each platform's limits, an override is refused instead, so that nobody's own
    words are cut unseen. A caption is checked as it will be sent, with the shared part, in
    every mode the platform's publications will use (``modes``; VK: Клип or video)."""
    errors: dict[str, list[str]] = {}
    for platform, parts in texts.items():
        if not is_platform(platform):
            names = ", ".join(platform_label(p) for p in platform_values())
            errors[platform] = [
                f"Неизвестная платформа «{platform}» в texts. Укажите одну из: {names}."
            ]
            continue
        problems = []
        if len(parts.get("title", "")) > TITLE_MAX:
            problems.append(f"Заголовок длиннее {TITLE_MAX} символов. Сократите его.")
        own_title, own_description = effective_text(
            title=title, description=description, override=parts
        )
        for mode in sorted((modes or {}).get(platform) or {""}):
            for problem in provider_class(platform).text_problems(
                title=own_title, description=own_description, own=parts.keys(), mode=mode or None
            ):
                if problem not in problems:
                    problems.append(problem)
        if problems:
            errors[platform] = problems
    return errors


def effective_text(
    *, title: str, description: str, override: Mapping[str, str] | None
) -> tuple[str, str]:
    """(title, description) for one platform: its own where given, else the shared."""
    override = override or {}
    return override.get("title") or title, override.get("description") or description


def publication_text(publication: Publication) -> tuple[str, str]:
    """The text this publication sends, before the platform's limits are applied."""
    return effective_text(
        title=publication.title, description=publication.description, override=publication.texts
    )


def publication_sent_text(publication: Publication) -> SentText:
    """What the platform of ``publication`` receives: the rule its adapter's publish applies
    (in the publication's mode, VK's Клип or video)."""
    title, description = publication_text(publication)
    return provider_class(publication.platform).text_sent(
        title=title, description=description, mode=publication.vk_mode or None
    )


# --- the publish panel ------------------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    """One live counter: how much text a part holds, against the platform's limit."""

    key: str  # "title", "description", "caption"
    label: str
    used: int
    limit: int | None

    @property
    def over(self) -> bool:
        return self.limit is not None and self.used > self.limit


@dataclass(frozen=True)
class TextPreview:
    platform: str
    label: str
    noun: Noun
    sent: SentText
    counters: list[Counter]
    overridden: bool
    override: dict[str, str]
    limits_note: str
    errors: list[str] = field(default_factory=list)


def _counters(
    provider: type[PlatformProvider], *, title: str, description: str, mode: str | None
) -> list[Counter]:
    limits = provider.text_limits_for(mode)

    def length(text: str) -> int:
        return provider.text_length(text, mode)

    counters = [
        Counter("title", "Заголовок", length(title), limits.title or None),
        Counter("description", "Описание", length(description), limits.description),
    ]
    joined = provider.text_joined(title=title, description=description, mode=mode)
    if joined is not None:
        counters.append(Counter("caption", "Подпись", length(joined), limits.caption))
    return counters


def limits_note(provider: type[PlatformProvider], mode: str | None = None) -> str:
    """«до 128 символов заголовка, до 5000 символов описания»: what the platform takes."""
    limits = provider.text_limits_for(mode)
    parts = []
    if limits.title:
        parts.append(f"до {limits.title} символов заголовка")
    if limits.description:
        parts.append(f"до {limits.description} символов описания")
    if limits.caption:
        parts.append(f"до {limits.caption} символов подписи (заголовок и описание вместе)")
    if not parts:
        return "длина текста не ограничена"
    return ", ".join(parts)


def text_previews(
    *,
    platforms: list[str],
    title: str,
    description: str,
    texts: Texts,
    errors: Mapping[str, list[str]] | None = None,
    modes: Mapping[str, str] | None = None,
) -> list[TextPreview]:
    """The publish panel's preview of each platform: the text as the platform receives it,
    with its counters. ``title``/``description`` are the shared text; ``modes`` the mode a
    platform's publications will take (VK: Клип or video), else its default."""
    previews = []
    for platform in platforms:
        provider = provider_class(platform)
        mode = (modes or {}).get(platform) or None
        override = texts.get(platform, {})
        own_title, own_description = effective_text(
            title=title, description=description, override=override
        )
        previews.append(
            TextPreview(
                platform=platform,
                label=provider.label,
                noun=provider.noun,
                sent=provider.text_sent(title=own_title, description=own_description, mode=mode),
                counters=_counters(
                    provider, title=own_title, description=own_description, mode=mode
                ),
                overridden=bool(override),
                override=override,
                limits_note=limits_note(provider, mode),
                errors=list((errors or {}).get(platform, [])),
            )
        )
    return previews


def texts_from_form(data: Mapping[str, Any], platforms: list[str]) -> Texts:
    """The overrides the publish form posted (``text_<platform>_title`` / ``_description``)."""
    return texts_clean(
        {
            platform: {part: data.get(f"text_{platform}_{part}", "") for part in PARTS}
            for platform in platforms
        }
    )
