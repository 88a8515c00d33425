"""The sandbox's Telegram bots and chats: a bot's id and token, and the chats the control API
hands out, each set up by a scenario (a channel where the bot is an admin who can post, one where
it cannot, a group, ...), found by ``@username`` or id, and changed afterwards.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from platforms.sandbox.state import Store
from platforms.sandbox.tokens import (
    mint_bot_token,
)

# scenario -> (chat type, bot's member status, can post, has a public @username)
SCENARIOS: dict[str, tuple[str, str, bool, bool]] = {
    "ok": ("channel", "administrator", True, True),
    "creator": ("channel", "creator", True, True),
    "private": ("channel", "administrator", True, False),
    "cannot_post": ("channel", "administrator", False, True),
    "not_admin": ("channel", "member", False, True),
    "not_member": ("channel", "left", False, True),
    "kicked": ("channel", "kicked", False, True),
    "group": ("group", "administrator", True, True),
}
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "left", "kicked"})


@dataclass(frozen=True)
class Channel:
    chat_id: int
    username: str | None
    title: str
    type: str
    bot_id: int
    member_status: str
    can_post: bool

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.chat_id, "type": self.type, "title": self.title}
        if self.username:
            chat["username"] = self.username
        return chat


def _row_to_channel(row: sqlite3.Row) -> Channel:
    return Channel(
        row["chat_id"],
        row["username"],
        row["title"],
        row["type"],
        row["bot_id"],
        row["member_status"],
        bool(row["can_post"]),
    )


def create_channel(
    store: Store, bot_id: int, scenario: str = "ok", title: str | None = None
) -> dict[str, Any]:
    """A chat for ``bot_id`` set up as ``scenario`` says; ``chat_not_found`` creates nothing."""
    if scenario == "chat_not_found":
        return {"chat_id": f"@sandbox_missing_{secrets.token_hex(4)}", "chat": None}
    if scenario not in SCENARIOS:
        raise ValueError(
            f"unknown telegram scenario {scenario!r}; one of chat_not_found, {', '.join(SCENARIOS)}"
        )
    chat_type, status, can_post, public = SCENARIOS[scenario]
    number = store.next_value("telegram_chat", 1)
    chat_id = -(1_000_000_000_000 + 1_000_000 + number)
    username = f"sandbox_{secrets.token_hex(4)}" if public else None
    title = title or ("Песочница: группа" if chat_type == "group" else f"Песочница: канал {number}")
    with store.connection() as conn:
        conn.execute(
            "INSERT INTO channels (chat_id, username, title, type, bot_id, member_status, can_post) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                chat_id,
                username.lower() if username else None,
                title,
                chat_type,
                bot_id,
                status,
                int(can_post),
            ),
        )
    channel = Channel(chat_id, username, title, chat_type, bot_id, status, can_post)
    return {"chat_id": f"@{username}" if username else str(chat_id), "chat": channel.as_chat()}


def update_channel(
    store: Store,
    chat: str,
    *,
    member_status: str | None = None,
    can_post: bool | None = None,
    type: str | None = None,
) -> dict[str, Any]:
    """Change a chat after it was handed out (the bot was kicked, lost its rights...)."""
    channel = find_chat(store, chat)
    if channel is None:
        raise ValueError("chat not found")
    if member_status is not None and member_status not in MEMBER_STATUSES:
        raise ValueError(f"member_status must be one of {', '.join(sorted(MEMBER_STATUSES))}")
    if type is not None and type not in {"channel", "group", "supergroup"}:
        raise ValueError("type must be channel, group or supergroup")
    with store.connection() as conn:
        conn.execute(
            "UPDATE channels SET member_status = COALESCE(?, member_status), "
            "can_post = COALESCE(?, can_post), type = COALESCE(?, type) WHERE chat_id = ?",
            (member_status, None if can_post is None else int(can_post), type, channel.chat_id),
        )
    updated = find_chat(store, str(channel.chat_id))
    assert updated is not None
    return {
        **updated.as_chat(),
        "member_status": updated.member_status,
        "can_post": updated.can_post,
    }


def find_chat(store: Store, chat: str) -> Channel | None:
    chat = str(chat).strip()
    with store.connection() as conn:
        if chat.startswith("@"):
            row = conn.execute(
                "SELECT * FROM channels WHERE username = ?", (chat[1:].lower(),)
            ).fetchone()
        elif chat.lstrip("-").isdigit():
            row = conn.execute("SELECT * FROM channels WHERE chat_id = ?", (int(chat),)).fetchone()
        else:
            row = None
    return None if row is None else _row_to_channel(row)


def new_bot(store: Store) -> tuple[int, str]:
    """A fresh bot id and its token."""
    bot_id = 7_000_000_000 + store.next_value("telegram_bot", 1) * 7919 % 999_999_999
    return bot_id, mint_bot_token(bot_id)
