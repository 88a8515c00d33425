"""Places a credential posts to (destinations): the hooks and facts every adapter inherits.

A connection holds one credential set (a VK token, a bot, a Rutube token, a Yandex account); a
destination is one place it can post to. What the places of a platform are — the account's own
channel, VK's page and the communities a token administers, the channels a bot was added to —
is a platform fact, so it lives on the adapter: ``PlatformProvider`` inherits these defaults
(one place: the account's own channel) and an adapter overrides what differs. No ORM here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import ConnectInputInvalid, PermanentError
from .types import AccountInfo, ConnectField, Credentials, DestinationInfo, DestinationKind, Rate


class PlacesMixin:
    """Declarations and hooks about a platform's places; mixed into ``PlatformProvider``."""

    platform: ClassVar[str]
    label: ClassVar[str]

    # A second bucket per place where the platform limits each place on its own (Telegram:
    # about one message a second per chat, on top of the bot's overall limit).
    destination_rate: ClassVar[Rate | None] = None
    # What the account's own place is (``DestinationKind``).
    destination_kind: ClassVar[str] = DestinationKind.CHANNEL
    # Keys of ``Credentials.extra`` that name a place: they belong to the destination, and the
    # destination's value wins over the connection's at publish time.
    destination_keys: ClassVar[tuple[str, ...]] = ()
    # The platform can list several places for the user to tick (VK's communities).
    lists_destinations: ClassVar[bool] = False
    # Inputs for adding a place by hand (Telegram: a channel the bot administers).
    destination_fields: ClassVar[tuple[ConnectField, ...]] = ()
    # The settings page's button for choosing or adding places («Выбрать сообщества»).
    destination_action: ClassVar[str] = "Добавить место"

    @classmethod
    def place_lost(cls, err: Any) -> bool:
        """Whether a publish error says the place itself is out of reach (Telegram: the bot
        was kicked from the channel, the channel is gone): it then needs the user's attention."""
        return False

    @classmethod
    def destination_steps(cls, account_name: str) -> list[str]:
        """What the user does on the platform before adding a place by hand (Russian)."""
        return []

    if TYPE_CHECKING:  # provided by PlatformProvider

        def verify(self, *, credentials: Credentials) -> AccountInfo: ...

    @classmethod
    def account_destination(cls, account: AccountInfo) -> DestinationInfo | None:
        """The place a credential posts to without any choice (Rutube's and Дзен's channel, VK's
        own page, the Telegram channel named when connecting), from what ``verify`` returned;
        None when it names none. No network call."""
        return DestinationInfo(
            external_id=account.account_id,
            name=account.account_name or cls.label,
            kind=cls.destination_kind,
            extra={k: account.extra[k] for k in cls.destination_keys if k in account.extra},
        )

    @classmethod
    def connection_extra(cls, extra: Mapping[str, Any]) -> dict[str, Any]:
        """``extra`` without the keys that name a place (those are the destination's)."""
        return {k: v for k, v in extra.items() if k not in cls.destination_keys}

    @classmethod
    def place_credentials(
        cls, credentials: Credentials, place_extra: Mapping[str, Any]
    ) -> Credentials:
        """The connection's credentials aimed at one place: its settings over the connection's."""
        return replace(
            credentials, extra={**cls.connection_extra(credentials.extra), **dict(place_extra)}
        )

    def destinations(
        self, *, credentials: Credentials, account: AccountInfo | None = None
    ) -> list[DestinationInfo]:
        """Every place this credential can post to now, the account's own first.

        ``account`` is what ``verify`` just returned, when the caller has it (saves a call).
        """
        own = self.account_destination(account or self.verify(credentials=credentials))
        return [own] if own is not None else []

    @classmethod
    def destination_input(cls, values: Mapping[str, str]) -> dict[str, Any]:
        """Check the inputs of ``destination_fields`` (a place added by hand) and return the
        place's settings, or raise ``ConnectInputInvalid`` naming the input at fault."""
        raise ConnectInputInvalid(
            f"Места {cls.label} выбираются из списка, который даёт {cls.label}.",
            field="platform",
            code="not_manual",
        )

    def destination_check(
        self, *, credentials: Credentials, place: DestinationInfo
    ) -> DestinationInfo:
        """Whether this credential can still post to ``place``; the place as it is now (its
        current name). Raises ``PermanentError`` (code ``destination_gone``) when it cannot."""
        for found in self.destinations(credentials=credentials):
            if found.external_id == place.external_id:
                return found
        if not self.lists_destinations:
            # One place per credential (the account's channel; Rutube may not even say its
            # id): the credential still working is the check.
            return place
        raise PermanentError(
            f"{self.label}: «{place.name}» больше недоступно этому аккаунту. Проверьте права "
            f"аккаунта в {self.label} или удалите это место.",
            platform=str(self.platform),
            code="destination_gone",
        )
