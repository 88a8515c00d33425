"""Platform adapters: the only code that speaks to VK, Rutube, Дзен and Telegram.

Every module of this package that is not infrastructure is an adapter and registers its class
(``@register``); importing the package imports them all. ``get_provider(platform)`` returns a
ready adapter; ``provider_class(platform)`` gives the class for its declared facts (limits,
label, rates) without opening a session.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import PlatformProvider
from .errors import (
    AuthExpired,
    ClipFileMissing,
    ConnectInputInvalid,
    OAuthError,
    PermanentError,
    ProviderError,
    RateLimited,
    Rejected,
    TransientError,
    UploadIncomplete,
)
from .nouns import Gender, Noun
from .oauth import OAuthProvider
from .registry import (
    get_provider,
    is_platform,
    oauth_platforms,
    platform_choices,
    platform_label,
    platform_noun,
    platform_values,
    provider_class,
    provider_classes,
    register,
    token_platforms,
)
from .types import (
    AccountInfo,
    ClipFile,
    Credentials,
    DestinationInfo,
    DestinationKind,
    PlatformHandle,
    PublishMeta,
    PublishResult,
    PublishState,
    SentText,
    Stats,
    TokenSet,
)

__all__ = [
    "AccountInfo",
    "AuthExpired",
    "ClipFile",
    "ClipFileMissing",
    "ConnectInputInvalid",
    "Credentials",
    "DestinationInfo",
    "DestinationKind",
    "Gender",
    "Noun",
    "OAuthError",
    "OAuthProvider",
    "PermanentError",
    "PlatformHandle",
    "PlatformProvider",
    "ProviderError",
    "PublishMeta",
    "PublishResult",
    "PublishState",
    "RateLimited",
    "Rejected",
    "SentText",
    "Stats",
    "TokenSet",
    "TransientError",
    "UploadIncomplete",
    "get_provider",
    "is_platform",
    "oauth_platforms",
    "platform_choices",
    "platform_label",
    "platform_noun",
    "platform_values",
    "provider_class",
    "provider_classes",
    "register",
    "token_platforms",
]

# Modules of this package that are plumbing, not adapters.
INFRASTRUCTURE = frozenset(
    {
        "base",
        "errors",
        "http",
        "media_limits",
        "nouns",
        "oauth",
        "places",
        "registry",
        "texts",
        "types",
    }
)


def discover() -> None:
    """Import every adapter module of this package (each registers its class)."""
    for module in pkgutil.iter_modules(__path__):
        if module.name not in INFRASTRUCTURE and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


discover()
