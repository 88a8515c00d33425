"""What a platform adapter declares about its platform: the class attributes (label, limits,
rates, hosts, connect form fields, modes) read by the engine, the pages and the API, and the
limits and hosts worked out from them.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Mapping
from typing import ClassVar

from platforms.constants import MB
from platforms.providers.media_limits import MediaLimits

from .nouns import Noun
from .places import PlacesMixin
from .platform_settings import base_url
from .texts import TextsMixin
from .types import (
    BaseUrl,
    ConnectField,
    Rate,
    TextLimits,
    size_label,
)


class ProviderFacts(PlacesMixin, TextsMixin, ABC):
    """The facts half of ``PlatformProvider``: what a subclass declares about its platform."""

    platform: ClassVar[str]
    label: ClassVar[str]  # the platform's name for users («Дзен»)
    # The name as a Russian noun (gender, cases): every message that names the platform uses it.
    noun: ClassVar[Noun]
    # The platform's colour on the pages (calendar entries, badges): a CSS hex colour that
    # white text reads on.
    colour: ClassVar[str] = "#495057"
    order: ClassVar[int] = 100  # position in lists (checkboxes, settings)
    max_file_size: ClassVar[int]  # bytes; see max_file_size_bytes() for the effective value
    upload_timeout: ClassVar[float]  # seconds for a whole upload
    supports_stats: ClassVar[bool] = True
    # Videos one ``fetch_stats`` HTTP request can ask about (1: no batch call exists).
    stats_batch_size: ClassVar[int] = 1
    uses_oauth: ClassVar[bool] = False
    # The platform downloads the clip itself from a signed URL (``ClipFile.public_url``).
    fetches_by_url: ClassVar[bool] = False
    # Its one create call may post before any handle comes back, and counts no bytes: a claimed
    # row with no handle may already be live there (the reaper must not re-send it). An adapter
    # that stores ``PlatformHandle.create_sent()`` before that call leaves this False: a row
    # without a handle then never sent it.
    creates_before_handle: ClassVar[bool] = False
    # Where a user looks to see whether a post whose answer was lost exists (Russian, after
    # «Проверьте <платформа>:»; ``{video}`` is «видео «<название>»»): the outcome-unknown
    # message names it (docs/unknown-outcome.md).
    outcome_unknown_hint: ClassVar[str] = "найдите там {video}."
    # One token per publish job per account (shared by every worker), and Celery's per-worker
    # ceiling for the platform's publish task.
    account_rate: ClassVar[Rate] = Rate(per_second=1.0, burst=1.0)
    worker_rate_limit: ClassVar[str | None] = None
    # Hosts: the API and where post links point (sandbox paths for the embedded default).
    base_urls: ClassVar[tuple[BaseUrl, ...]] = ()
    # Token platforms: the inputs of the connect form (page and API), in order.
    connect_fields: ClassVar[tuple[ConnectField, ...]] = ()
    text_limits: ClassVar[TextLimits] = TextLimits()
    connect_timeout: ClassVar[float] = 10.0
    read_timeout: ClassVar[float] = 30.0
    upload_chunk_size: ClassVar[int] = MB
    default_retry_after: ClassVar[float] = 60.0
    # Duration, frame shape and codecs the platform accepts (platforms/providers/media_limits.py).
    media_limits: ClassVar[MediaLimits] = MediaLimits()
    # Ways of publishing the platform offers, chosen per publication (VK: "clip", "video"),
    # with their names for users; empty: one way only.
    modes: ClassVar[tuple[str, ...]] = ()
    mode_labels: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def max_file_size_bytes(cls) -> int:
        return cls.max_file_size

    @classmethod
    def max_file_size_label(cls) -> str:
        return size_label(cls.max_file_size_bytes())

    # Hosts -------------------------------------------------------------------------------

    @classmethod
    def url(cls, setting: str) -> str:
        """The base URL declared under ``setting`` in ``base_urls``."""
        for spec in cls.base_urls:
            if spec.setting == setting:
                return base_url(spec)
        raise KeyError(f"{cls.__name__} declares no base URL {setting!r}")
