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
