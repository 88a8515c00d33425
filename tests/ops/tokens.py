"""Real-shaped platform tokens (random each call) and a check that none of them leaked."""

from __future__ import annotations

import secrets
import string

_URLSAFE = string.ascii_letters + string.digits + "-_"


def _random(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def vk_token() -> str:
    """A VK ID access token: ``vk1.a.`` and about 200 URL-safe characters."""
    return "vk1.a." + _random(_URLSAFE, 200)


def dzen_token() -> str:
    """A Yandex OAuth token (Дзен): ``y0_`` then ``AgAAAA`` and URL-safe characters."""
    return "y0_AgAAAA" + _random(_URLSAFE, 50)


def telegram_token() -> str:
    """A bot token: the bot's id, a colon and 35 characters starting with ``AA``."""
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:AA" + _random(_URLSAFE, 33)


def rutube_token() -> str:
    """A Rutube API token: 40 hex characters, no shape to recognise it by."""
    return secrets.token_hex(20)


def real_shaped_tokens() -> dict[str, str]:
    return {
        "vk": vk_token(),
        "dzen": dzen_token(),
        "telegram": telegram_token(),
        "rutube": rutube_token(),
        "code": secrets.token_urlsafe(32),
        "state": secrets.token_urlsafe(32),
    }


def leaked(text: str, tokens: dict[str, str]) -> list[str]:
    """Which tokens appear in ``text``, whole or as any 12-character piece of their secret
    part (fixed prefixes such as ``vk1.a.`` are not secret)."""
    found = []
    for name, token in tokens.items():
        secret = token.split(":", 1)[-1] if name == "telegram" else token
        secret = secret.removeprefix("vk1.a.").removeprefix("y0_AgAAAA")
        pieces = {secret[i : i + 12] for i in range(0, max(1, len(secret) - 11), 4)}
        if token in text or any(piece in text for piece in pieces):
            found.append(name)
    return found
