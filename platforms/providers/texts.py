"""What a platform receives of a publication's text, and how the platform measures it.

``text_sent`` is the one rule: each adapter's ``publish`` sends exactly what it returns, the
engine records it as the publication's ``sent_title``/``sent_description``, and the publish
panel's preview and counters show it. A platform that joins title and description into one
text (Telegram's caption, a VK Клип's description) says so in ``text_joined`` and cuts that
text in ``text_sent``. ``mode`` is the publication's mode on platforms that have several (VK:
a Клип or a video), ``None`` for the default. Pure functions of the text: no HTTP, no ORM.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

from .nouns import Noun
from .types import SentText, TextLimits

__all__ = ["TextsMixin", "joined_text", "split_caption", "utf16_length"]


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units (what Telegram counts: an emoji is often two)."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def joined_text(title: str, description: str) -> str:
    """Title and description as one text, uncut: the description after a blank line."""
    title, description = title.strip(), description.strip()
    if not title:
        return description
    return f"{title}\n\n{description}" if description and description != title else title


def split_caption(title: str, caption: str, *, whole: str) -> SentText:
    """A joined text as sent, with what remains of each part (``whole``: before the cut)."""
    head = title.strip()
    if caption.startswith(head + "\n\n"):
        sent_title, sent_description = head, caption[len(head) + 2 :]
    else:
        sent_title, sent_description = caption, ""
    return SentText(
        title=sent_title, description=sent_description, caption=caption, cut=caption != whole
    )


class TextsMixin:
    label: ClassVar[str]
    noun: ClassVar[Noun]
    text_limits: ClassVar[TextLimits] = TextLimits()

    @classmethod
    def text_limits_for(cls, mode: str | None = None) -> TextLimits:
        """The limits of a publication in ``mode`` (one set unless the platform has modes)."""
        return cls.text_limits

    @classmethod
    def text_length(cls, text: str, mode: str | None = None) -> int:
        """``text``'s length as the platform counts it against its limits."""
        units = cls.text_limits_for(mode).units
        return utf16_length(text) if units == "utf16" else len(text)

    @classmethod
    def text_joined(cls, *, title: str, description: str, mode: str | None = None) -> str | None:
        """The one text the platform shows when it joins title and description (a caption),
        uncut; ``None`` for a platform that keeps them apart."""
        return None

    @classmethod
    def text_sent(cls, *, title: str, description: str, mode: str | None = None) -> SentText:
        """What the platform receives: each part cut to its limit (code points)."""
        limits = cls.text_limits_for(mode)
        sent_title = title[: limits.title] if limits.title else title
        sent_description = description[: limits.description] if limits.description else description
        return SentText(
            title=sent_title,
            description=sent_description,
            cut=sent_title != title or sent_description != description,
        )

    @classmethod
    def text_problems(
        cls,
        *,
        title: str,
        description: str,
        own: Collection[str] = ("title", "description"),
        mode: str | None = None,
    ) -> list[str]:
        """Why a text written for this platform does not fit it (Russian), empty when it fits.

        Used for the per-platform texts a user writes: those must fit, not be cut. ``own`` names
        the parts written for the platform (the others are the shared text, which is cut); a
        joined caption is checked whole."""
        limits, noun = cls.text_limits_for(mode), cls.noun

        def length(text: str) -> int:
            return cls.text_length(text, mode)

        problems = []
        if "title" in own and limits.title and length(title) > limits.title:
            problems.append(
                f"Заголовок для {noun.genitive} длиннее {limits.title} символов "
                f"({length(title)}). Сократите его."
            )
        if "description" in own and limits.description and length(description) > limits.description:
            problems.append(
                f"Описание для {noun.genitive} длиннее {limits.description} символов "
                f"({length(description)}). Сократите его."
            )
        joined = cls.text_joined(title=title, description=description, mode=mode)
        if limits.caption and joined is not None and length(joined) > limits.caption:
            problems.append(
                f"Подпись для {noun.genitive} (заголовок и описание вместе) длиннее "
                f"{limits.caption} символов ({length(joined)}). Сократите текст."
            )
        return problems
