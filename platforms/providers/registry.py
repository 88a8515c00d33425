"""The platforms this installation knows: one adapter class per platform, registered by name.

Every adapter module in ``platforms/providers/`` registers its class with ``@register``; the
package imports all of them at start (``platforms.providers.discover``). Everything that lists
platforms — model choices, forms, the API's enums, Celery queues and task names, the sandbox's
base URLs, plans — asks this registry, so adding a platform is adding its adapter module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeVar

from .nouns import Noun

if TYPE_CHECKING:
    from .base import PlatformProvider

P = TypeVar("P", bound="type[PlatformProvider]")

_PROVIDERS: dict[str, type[PlatformProvider]] = {}


def register(cls: P) -> P:
    """Class decorator: make ``cls`` the adapter of ``cls.platform``."""
    name = str(cls.platform)
    if name in _PROVIDERS and _PROVIDERS[name] is not cls:
        raise ValueError(f"platform {name!r} is already registered by {_PROVIDERS[name]!r}")
    noun = getattr(cls, "noun", None)
    if not isinstance(noun, Noun) or noun.nominative != cls.label:
        # A throw-away platform of a test (or one inheriting another's noun); the built-in
        # adapters declare theirs.
        cls.noun = Noun.indeclinable(cls.label)
    _PROVIDERS[name] = cls
    return cls


def unregister(platform: str) -> None:
    _PROVIDERS.pop(str(platform), None)


@contextlib.contextmanager
def registered(cls: type[PlatformProvider]) -> Iterator[type[PlatformProvider]]:
    """Register ``cls`` for the duration of a ``with`` block (tests of a throw-away platform)."""
    register(cls)
    try:
        yield cls
    finally:
        unregister(str(cls.platform))


def provider_classes() -> list[type[PlatformProvider]]:
    """Every registered adapter, in display order."""
    return sorted(_PROVIDERS.values(), key=lambda cls: (cls.order, str(cls.platform)))


def platform_values() -> list[str]:
    """Every platform's identifier (``"vk"``, ...), in display order."""
    return [str(cls.platform) for cls in provider_classes()]


def platform_choices() -> list[tuple[str, str]]:
    """(identifier, label) pairs: the choices of every ``platform`` field and input."""
    return [(str(cls.platform), cls.label) for cls in provider_classes()]


def is_platform(value: object) -> bool:
    return isinstance(value, str) and value in _PROVIDERS


def provider_class(platform: str) -> type[PlatformProvider]:
    try:
        return _PROVIDERS[str(platform)]
    except KeyError:
        raise ValueError(f"unknown platform: {platform!r}") from None


def get_provider(platform: str) -> PlatformProvider:
    """A new adapter for ``platform`` (``"vk"``, ``"rutube"``, ...)."""
    return provider_class(platform)()


def platform_label(platform: str) -> str:
    """The platform's name as users read it («Дзен»); the raw value for an unknown one."""
    cls = _PROVIDERS.get(str(platform))
    return cls.label if cls is not None else str(platform)


def platform_noun(platform: str) -> Noun:
    """The platform's name as a noun, for messages that decline it or agree with it."""
    cls = _PROVIDERS.get(str(platform))
    return cls.noun if cls is not None else Noun.indeclinable(str(platform))


def oauth_platforms() -> list[str]:
    return [str(cls.platform) for cls in provider_classes() if cls.uses_oauth]


def token_platforms() -> list[str]:
    return [str(cls.platform) for cls in provider_classes() if not cls.uses_oauth]
