"""Identifiers of the built-in platforms, and size units (no ORM, no network).

The provider registry (``platforms.providers.registry``) is the authority on which platforms
exist, their labels and their facts; these names only spare code that means one particular
platform (its own adapter, its sandbox, tests) from spelling the string.
"""

from enum import StrEnum


class Platform(StrEnum):
    VK = "vk"
    RUTUBE = "rutube"
    DZEN = "dzen"
    TELEGRAM = "telegram"


MB = 1024 * 1024
GB = 1024 * MB
