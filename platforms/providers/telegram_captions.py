"""Telegram's caption rules: one caption of at most 1024 UTF-16 units (the title, a blank line,
the description), cut on a character and preferably a word boundary, ending with "…" when cut.
"""

from __future__ import annotations

import unicodedata

from .texts import joined_text

CAPTION_MAX = 1024
ELLIPSIS = "…"


def _utf16_units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def cut_caption(text: str, limit: int = CAPTION_MAX) -> str:
    """Cut ``text`` to ``limit`` UTF-16 units (Telegram's measure), ending with "…" when cut.

    Never splits a character, never leaves a dangling combining mark or joiner, and prefers to
    end at a word boundary when one is near.
    """
    if sum(_utf16_units(ch) for ch in text) <= limit:
        return text
    budget = limit - _utf16_units(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for ch in text:
        width = _utf16_units(ch)
        if used + width > budget:
            break
        kept.append(ch)
        used += width
    cut = "".join(kept)
    boundary = max(cut.rfind(" "), cut.rfind("\n"))
    if boundary >= len(cut) - 50 and boundary > 0:
        cut = cut[:boundary]
    while cut and (unicodedata.category(cut[-1]) in ("Mn", "Me", "Cf") or cut[-1].isspace()):
        cut = cut[:-1]
    return cut + ELLIPSIS


def caption_text(title: str, description: str) -> str:
    """Title and description as one caption, uncut: the description after a blank line."""
    return joined_text(title, description)
