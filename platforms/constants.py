"""Platform identifiers and per-platform facts shared by every layer (no ORM, no network)."""

from django.db import models


class Platform(models.TextChoices):
    VK = "vk", "VK Клипы"
    RUTUBE = "rutube", "Rutube"
    DZEN = "dzen", "Дзен"
    TELEGRAM = "telegram", "Telegram"


OAUTH_PLATFORMS = frozenset({Platform.VK, Platform.DZEN})
TOKEN_PLATFORMS = frozenset({Platform.RUTUBE, Platform.TELEGRAM})

MB = 1024 * 1024
GB = 1024 * MB

# «VK Клипы» is plural in Russian: «VK Клипы подключены», «Telegram подключён».
_PLURAL_LABELS = frozenset({Platform.VK})


def agree(platform: str, singular: str, plural: str) -> str:
    """The word that agrees with the platform's label (``agree(p, "подключён", "подключены")``)."""
    return plural if platform in _PLURAL_LABELS else singular
