"""The data an adapter exchanges with the engine, and the platform facts an adapter declares.

Everything here is plain data (no HTTP, no ORM): credentials and tokens, the clip file, what
the platform gave back (handles, results, stats), and the declarations a provider class makes
about its platform (base URLs, rates, connect form fields).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, BinaryIO

from platforms.constants import MB

__all__ = [
    "AccountInfo",
    "BaseUrl",
    "ClipFile",
    "ConnectField",
    "Credentials",
    "DestinationInfo",
    "DestinationKind",
    "HandleCallback",
    "PlatformHandle",
    "ProgressCallback",
    "PublishMeta",
    "PublishResult",
    "PublishState",
    "Rate",
    "Stats",
    "TextLimits",
    "TokenSet",
    "as_int",
    "size_label",
]


# --- Data exchanged with the engine -----------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """What a provider needs to act for a connection; ``extra`` holds non-secret settings.

    ``extra`` keys used: VK ``group_id``, ``vk_mode`` (the default mode, "clip" or "video"),
    ``vk_wallpost`` (also post to the wall), ``device_id``;
    Telegram ``chat_id``, ``chat_username``; Rutube ``category_id``.
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    account_id: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TokenSet:
    """Tokens as the platform issued them (after a code exchange or a refresh)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    account_id: str = ""
    account_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountInfo:
    """Who the connection publishes as (shown on the platforms page)."""

    account_id: str
    account_name: str
    extra: dict[str, Any] = field(default_factory=dict)


class DestinationKind(StrEnum):
    """What sort of place a destination is (the API's ``kind``)."""

    PAGE = "page"  # a person's own page or wall (VK)
    COMMUNITY = "community"  # a group the account administers (VK)
    CHANNEL = "channel"  # a channel (Telegram, Rutube, Дзен)


@dataclass(frozen=True)
class DestinationInfo:
    """One place a credential can post to, as the platform describes it.

    ``external_id`` is the platform's id of the place (VK: the owner id, negative for a
    community; Telegram: the chat id); ``extra`` holds the non-secret settings a publication to
    it needs, merged over the connection's own at publish time (VK ``group_id``, Telegram
    ``chat_id``/``chat_username``).
    """

    external_id: str
    name: str
    kind: str = DestinationKind.CHANNEL
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClipFile:
    """The clip file in storage; ``open()`` returns a fresh binary file object each call."""

    name: str
    size: int
    open: Callable[[], BinaryIO] = field(repr=False)
    filename: str = "clip.mp4"
    content_type: str = "video/mp4"
    public_url: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PublishMeta:
    title: str
    description: str
    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None
    # The publication's mode on a platform that offers several (VK "clip" / "video").
    mode: str = ""


@dataclass(frozen=True)
class PlatformHandle:
    """What a retry needs to find the video again on the platform. JSON-safe, never a token."""

    id: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "data": dict(self.data)}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> PlatformHandle:
        return cls(id=str(value["id"]), data=dict(value.get("data") or {}))

    def with_data(self, **changes: Any) -> PlatformHandle:
        return PlatformHandle(id=self.id, data={**self.data, **changes})


class PublishState(StrEnum):
    PROCESSING = "processing"
    PUBLISHED = "published"


@dataclass(frozen=True)
class PublishResult:
    state: PublishState
    handle: PlatformHandle
    url: str = ""


@dataclass(frozen=True)
class Stats:
    views: int
    likes: int
    comments: int
    shares: int


ProgressCallback = Callable[[int], None]
HandleCallback = Callable[[PlatformHandle], None]


def size_label(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000} МБ"  # a limit stated in decimal megabytes (Telegram's)
    if size >= 1024 * MB and size % (1024 * MB) == 0:
        return f"{size // (1024 * MB)} ГБ"
    return f"{size // MB} МБ"


def as_int(value: Any) -> int:
    """An engagement counter from a platform answer: a number or a ``{"count": N}`` object."""
    if isinstance(value, Mapping):
        value = value.get("count", 0)
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


# --- Platform facts a provider class declares ------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A token bucket: ``per_second`` tokens flow in; at most ``burst`` can be saved up."""

    per_second: float
    burst: float


@dataclass(frozen=True)
class BaseUrl:
    """One base URL of a platform: the setting (or environment variable) that overrides it, the
    real host, and where the sandbox serves it (a path under ``/sandbox/``)."""

    setting: str
    real: str
    sandbox: str


@dataclass(frozen=True)
class ConnectField:
    """One input of a token platform's connect form (page and API)."""

    name: str
    label: str
    required_message: str
    secret: bool = False
    max_length: int = 512
    help_text: str = ""
    placeholder: str = ""


@dataclass(frozen=True)
class TextLimits:
    """How much text the platform takes (characters), for counters and for cutting.

    ``caption`` is the limit of title and description sent together as one caption (Telegram);
    ``None`` means the platform sets no limit we know of.
    """

    title: int | None = None
    description: int | None = None
    caption: int | None = None
