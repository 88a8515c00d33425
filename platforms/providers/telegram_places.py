"""Telegram's places: the channels one bot posts to, each checked with ``getChat`` and
``getChatMember`` (the bot is an administrator that can post there).

A connection is the bot (its token); a destination is a channel. The Bot API cannot list the
chats a bot is in, so channels are added by hand (``@name`` or a numeric id). Telegram limits
a bot to about 30 messages a second overall and about one a second per chat: the connection's
bucket and each channel's bucket (``destination_rate``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import ConnectInputInvalid, PermanentError
from .types import AccountInfo, ConnectField, Credentials, DestinationInfo, DestinationKind, Rate

CHAT_RE = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?\d{1,20})$")
CHAT_FORMAT_MESSAGE = "Укажите канал: @имя_канала или его числовой id (например, -1001234567890)."
CHAT_FIELD = ConnectField(
    name="chat_id",
    label="Канал",
    required_message="Укажите канал: @имя_канала или его числовой id.",
    max_length=200,
    help_text="@имя_канала или числовой id (например, -1001234567890)",
    placeholder="@my_channel",
)


def chat_normalise(value: str) -> str:
    """``@name``, ``name``, ``https://t.me/name`` or a numeric id → ``@name`` / the id."""
    chat = value.strip()
    for prefix in ("https://t.me/", "http://t.me/", "t.me/"):
        if chat.lower().startswith(prefix):
            chat = "@" + chat[len(prefix) :].strip("/")
    if chat and not chat.startswith("@") and not chat.lstrip("-").isdigit():
        chat = "@" + chat
    return chat


def chat_input(values: Mapping[str, str]) -> str:
    """The channel a form names, normalised, or ``ConnectInputInvalid`` on ``chat_id``."""
    chat = chat_normalise(str(values.get("chat_id") or ""))
    if not CHAT_RE.match(chat):
        raise ConnectInputInvalid(CHAT_FORMAT_MESSAGE, field="chat_id", code="chat_format")
    return chat


class TelegramPlacesMixin:
    """Mixed into ``TelegramProvider``."""

    label: ClassVar[str]
    platform: ClassVar[str]

    destination_rate: ClassVar[Rate | None] = Rate(per_second=1.0, burst=1.0)
    destination_kind: ClassVar[str] = DestinationKind.CHANNEL
    destination_keys: ClassVar[tuple[str, ...]] = ("chat_id", "chat_username", "chat_title")
    destination_fields: ClassVar[tuple[ConnectField, ...]] = (CHAT_FIELD,)
    destination_action: ClassVar[str] = "Добавить канал"

    @classmethod
    def destination_steps(cls, account_name: str) -> list[str]:
        return [
            f"Добавьте бота {account_name} в канал как администратора с правом «Публикация "
            "сообщений».",
            "Укажите канал: КлипМейкер проверит, что бот может туда публиковать.",
        ]

    if TYPE_CHECKING:  # provided by TelegramProvider / PlatformProvider

        def verify(self, *, credentials: Credentials) -> AccountInfo: ...

        @classmethod
        def place_credentials(
            cls, credentials: Credentials, place_extra: Mapping[str, Any]
        ) -> Credentials: ...

    @classmethod
    def account_destination(cls, account: AccountInfo) -> DestinationInfo | None:
        """The channel ``verify`` checked (when it was given one)."""
        chat_id = account.extra.get("chat_id")
        if chat_id in (None, ""):
            return None
        username = str(account.extra.get("chat_username") or "")
        title = str(account.extra.get("chat_title") or "")
        return DestinationInfo(
            external_id=str(chat_id),
            name=title or (f"@{username}" if username else str(chat_id)),
            kind=DestinationKind.CHANNEL,
            extra={"chat_id": chat_id, "chat_username": username},
        )

    @classmethod
    def destination_input(cls, values: Mapping[str, str]) -> dict[str, Any]:
        return {"chat_id": chat_input(values)}

    def destination_check(
        self, *, credentials: Credentials, place: DestinationInfo
    ) -> DestinationInfo:
        """``getMe``, ``getChat`` and ``getChatMember`` for the channel, as when connecting."""
        info = self.verify(credentials=self.place_credentials(credentials, place.extra))
        found = self.account_destination(info)
        if found is None:
            raise PermanentError(
                "Канал Telegram не указан. Укажите @имя канала или его числовой id.",
                platform=str(self.platform),
                code="no_chat",
            )
        return found
