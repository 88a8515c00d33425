"""What a platform receives of a publication's text, and how the platform measures it.

``text_sent`` is the one rule: each adapter's ``publish`` sends exactly what it returns, the
engine records it as the publication's ``sent_title``/``sent_description``, and the publish
panel's preview and counters show it. An adapter whose platform joins title and description
into one text (Telegram's caption) overrides ``text_joined`` and ``text_sent``. Pure functions
of the text: no HTTP, no ORM.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

from .nouns import Noun
from .types import SentText, TextLimits

__all__ = ["TextsMixin", "utf16_length"]


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units (what Telegram counts: an emoji is often two)."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


class TextsMixin:
    label: ClassVar[str]
    noun: ClassVar[Noun]
    text_limits: ClassVar[TextLimits] = TextLimits()

    @classmethod
    def text_length(cls, text: str) -> int:
        """``text``'s length as the platform counts it against ``text_limits``."""
        return utf16_length(text) if cls.text_limits.units == "utf16" else len(text)

    @classmethod
    def text_joined(cls, *, title: str, description: str) -> str | None:
        """The one text the platform shows when it joins title and description (a caption),
        uncut; ``None`` for a platform that keeps them apart."""
        return None

    @classmethod
    def text_sent(cls, *, title: str, description: str) -> SentText:
        """What the platform receives: each part cut to its limit (code points)."""
        limits = cls.text_limits
        sent_title = title[: limits.title] if limits.title else title
        sent_description = description[: limits.description] if limits.description else description
        return SentText(
            title=sent_title,
            description=sent_description,
            cut=sent_title != title or sent_description != description,
        )

    @classmethod
    def text_problems(
        cls, *, title: str, description: str, own: Collection[str] = ("title", "description")
    ) -> list[str]:
        """Why a text written for this platform does not fit it (Russian), empty when it fits.

        Used for the per-platform texts a user writes: those must fit, not be cut. ``own`` names
        the parts written for the platform (the others are the shared text, which is cut); a
        joined caption is checked whole."""
        limits, noun = cls.text_limits, cls.noun
        problems = []
        if "title" in own and limits.title and cls.text_length(title) > limits.title:
            problems.append(
                f"Заголовок для {noun.genitive} длиннее {limits.title} символов "
                f"({cls.text_length(title)}). Сократите его."
            )
        if (
            "description" in own
            and limits.description
            and cls.text_length(description) > limits.description
        ):
            problems.append(
                f"Описание для {noun.genitive} длиннее {limits.description} символов "
                f"({cls.text_length(description)}). Сократите его."
            )
        joined = cls.text_joined(title=title, description=description)
        if limits.caption and joined is not None and cls.text_length(joined) > limits.caption:
            problems.append(
                f"Подпись для {noun.genitive} (заголовок и описание вместе) длиннее "
                f"{limits.caption} символов ({cls.text_length(joined)}). Сократите текст."
            )
        return problems
