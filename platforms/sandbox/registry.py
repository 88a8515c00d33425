"""The sandbox's platforms: each module that emulates one registers what the shared parts need.

A platform's module (``vk.py``, ``telegram.py``, ...) ends with ``register(SandboxPlatform(...))``:
its URL patterns (mounted under ``/sandbox/``), the names its requests are journalled and
faulted under, the fault kinds only it understands, how it issues test credentials, its
documented upload limit and how the demo user is connected to it. ``urls``, ``faults``,
``control``, ``web``, ``videos`` and ``demo`` ask this registry, so adding a platform to the
sandbox is adding its module.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern

# Modules of this package that are shared machinery, not a platform.
INFRASTRUCTURE = frozenset(
    {
        "apps",
        "control",
        "control_views",
        "demo",
        "endpoint",
        "faults",
        "oauth",
        "registry",
        "state",
        "tokens",
        "urls",
        "videos",
        "vk_groups",
        "web",
        "wire",
    }
)


@dataclass(frozen=True)
class SandboxPlatform:
    name: str  # the platform identifier (``"vk"``)
    label: str  # the site's name on its watch pages
    urlpatterns: Sequence[URLPattern]
    # Issue credentials the sandbox accepts: ``issue_credentials(**params) -> dict``.
    issue_credentials: Callable[..., dict[str, Any]]
    # The demo user's connection: keyword arguments for ``connection_store`` (no network).
    demo_connection: Callable[[str], dict[str, Any]]
    # The documented size limit; ``None`` for a platform that downloads the file itself.
    upload_limit: Callable[[], int]
    # Names its requests are journalled and faulted under (an OAuth server may be separate).
    fault_targets: Sequence[str] = ()
    # Fault kinds only this platform understands, e.g. VK's errors inside HTTP 200.
    own_fault_kinds: frozenset[str] = field(default_factory=frozenset)
    # A further test place for an account, from its connection's ``extra``: the values of the
    # adapter's ``destination_fields`` (Telegram: a new channel where the bot is an admin).
    issue_place: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # The demo user's further places (besides the account's own), for its connection as
    # ``demo_connection`` stored it: ``DestinationInfo``-shaped dicts (no network).
    demo_places: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(self.fault_targets) or (self.name,)


_SANDBOXES: dict[str, SandboxPlatform] = {}


def register(platform: SandboxPlatform) -> SandboxPlatform:
    _SANDBOXES[platform.name] = platform
    return platform


def discover() -> None:
    """Import every platform module of the sandbox package (each registers itself)."""
    package = importlib.import_module("platforms.sandbox")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in INFRASTRUCTURE and not module.name.startswith("_"):
            importlib.import_module(f"platforms.sandbox.{module.name}")


def sandboxes() -> list[SandboxPlatform]:
    discover()
    return list(_SANDBOXES.values())


def sandbox(name: str) -> SandboxPlatform:
    discover()
    try:
        return _SANDBOXES[name]
    except KeyError:
        known = ", ".join(_SANDBOXES)
        raise ValueError(f"platform must be one of {known}") from None


def fault_targets() -> list[str]:
    return [target for platform in sandboxes() for target in platform.targets]


def fault_kind_owners(kind: str) -> list[str]:
    """The fault targets of the platforms that own ``kind`` (empty: a shared kind)."""
    return [t for p in sandboxes() if kind in p.own_fault_kinds for t in p.targets[:1]]
