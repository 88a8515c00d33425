"""Platform adapters: the only code that speaks to VK, Rutube, Дзен and Telegram.

``get_provider(platform)`` returns a ready adapter; ``provider_class(platform)`` gives the class
for its limits (``max_file_size_bytes()``) without opening a session.
"""

from __future__ import annotations

from .base import (
    AccountInfo,
    ClipFile,
    Credentials,
    PlatformHandle,
    PlatformProvider,
    PublishMeta,
    PublishResult,
    PublishState,
    Stats,
    TokenSet,
)
from .dzen import DzenProvider
from .errors import (
    AuthExpired,
    ClipFileMissing,
    OAuthError,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
    UploadIncomplete,
)
from .rutube import RutubeProvider
from .telegram import TelegramProvider
from .vk import VKProvider

__all__ = [
    "PROVIDERS",
    "AccountInfo",
    "AuthExpired",
    "ClipFile",
    "ClipFileMissing",
    "Credentials",
    "OAuthError",
    "PermanentError",
    "PlatformHandle",
    "PlatformProvider",
    "ProviderError",
    "PublishMeta",
    "PublishResult",
    "PublishState",
    "RateLimited",
    "Stats",
    "TokenSet",
    "TransientError",
    "UploadIncomplete",
    "get_provider",
    "provider_class",
]

PROVIDERS: dict[str, type[PlatformProvider]] = {
    cls.platform.value: cls for cls in (VKProvider, RutubeProvider, DzenProvider, TelegramProvider)
}


def provider_class(platform: str) -> type[PlatformProvider]:
    try:
        return PROVIDERS[str(platform)]
    except KeyError:
        raise ValueError(f"unknown platform: {platform!r}") from None


def get_provider(platform: str) -> PlatformProvider:
    """A new adapter for ``platform`` ("vk", "rutube", "dzen", "telegram")."""
    return provider_class(platform)()
