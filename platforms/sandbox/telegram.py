"""Telegram Bot API stand-in: ``/sandbox/telegram/bot<token>/<method>``.

Answers ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description",
"parameters"}`` with the matching HTTP status. Methods: ``getMe``, ``getChat``,
``getChatMember``, ``getChatMemberCount``, ``sendVideo`` (multipart, file field ``video``).
Parameters come from the query string, a form, multipart or a JSON body, as in the real API.
Channels exist only when the control API created them (``issue_credentials("telegram")``).

The bots and chats themselves live in ``telegram_chats`` (re-exported).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path

from platforms.providers.telegram import telegram_local_api
from platforms.sandbox import videos
from platforms.sandbox.endpoint import endpoint
from platforms.sandbox.faults import Fault
from platforms.sandbox.registry import SandboxPlatform, register
from platforms.sandbox.state import Store, get_store
from platforms.sandbox.telegram_chats import MEMBER_STATUSES as MEMBER_STATUSES
from platforms.sandbox.telegram_chats import SCENARIOS as SCENARIOS
from platforms.sandbox.telegram_chats import Channel as Channel
from platforms.sandbox.telegram_chats import create_channel as create_channel
from platforms.sandbox.telegram_chats import find_chat as find_chat
from platforms.sandbox.telegram_chats import new_bot as new_bot
from platforms.sandbox.telegram_chats import update_channel as update_channel
from platforms.sandbox.tokens import (
    TokenError,
    looks_like_bot_token,
    verify_bot_token,
)
from platforms.sandbox.videos import Video
from platforms.sandbox.web import watch_page
from platforms.sandbox.wire import BadBody, form_params, json_body, json_response

PLATFORM = "telegram"
METHODS = {
    name.lower(): name
    for name in ("getMe", "getChat", "getChatMember", "getChatMemberCount", "sendVideo")
}


class TelegramError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def _error(code: int, description: str, retry_after: int | None = None) -> HttpResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return json_response(body, status=code)


def _fault(fault: Fault, method: str) -> HttpResponse:
    params = fault.params
    if fault.kind == "server_error":
        return _error(int(params.get("status", 500)), "Internal Server Error")
    if fault.kind == "rate_limit":
        retry_after = int(params.get("retry_after", 2))
        return _error(429, f"Too Many Requests: retry after {retry_after}", retry_after)
    if fault.kind == "auth_expired":
        return _error(401, "Unauthorized")
    return _error(int(params.get("status", 400)), params.get("message") or "Bad Request")


def _visible_chat(store: Store, bot_id: int, chat: str) -> Channel:
    if not chat:
        raise TelegramError(400, "Bad Request: chat_id is empty")
    channel = find_chat(store, chat)
    # A bot sees a private chat only when it is in it; a public one by its @username.
    if channel is None or (channel.bot_id != bot_id and not channel.username):
        raise TelegramError(400, "Bad Request: chat not found")
    return channel


def _bot_status(channel: Channel, bot_id: int) -> str:
    return channel.member_status if channel.bot_id == bot_id else "left"


def _bot_user(bot_id: int) -> dict[str, Any]:
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": f"Sandbox Bot {bot_id}",
        "username": f"sandbox_{bot_id}_bot",
    }


def _get_me(bot_id: int) -> dict[str, Any]:
    return {
        **_bot_user(bot_id),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def _get_chat(store: Store, bot_id: int, params: dict[str, Any]) -> dict[str, Any]:
    channel = _visible_chat(store, bot_id, str(params.get("chat_id", "")))
    return {
        **channel.as_chat(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
        },
    }


def _get_chat_member(store: Store, bot_id: int, params: dict[str, Any]) -> dict[str, Any]:
    channel = _visible_chat(store, bot_id, str(params.get("chat_id", "")))
    raw_user = str(params.get("user_id", "")).strip()
    if not raw_user:
        raise TelegramError(400, "Bad Request: user_id is empty")
    if not raw_user.isdigit():
        raise TelegramError(400, "Bad Request: invalid user_id specified")
    user_id = int(raw_user)
    if user_id != bot_id:
        return {
            "status": "left",
            "user": {"id": user_id, "is_bot": False, "first_name": "Подписчик"},
        }
    status = _bot_status(channel, bot_id)
    member: dict[str, Any] = {"status": status, "user": _bot_user(bot_id)}
    if status == "administrator":
        member.update(
            {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": False,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": False,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        )
        if channel.type == "channel":
            member.update(
                {"can_post_messages": channel.can_post, "can_edit_messages": channel.can_post}
            )
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _send_video(
    store: Store, bot_id: int, params: dict[str, Any], files: dict[str, Any]
) -> dict[str, Any]:
    chat = str(params.get("chat_id", "")).strip()
    if not chat:
        raise TelegramError(400, "Bad Request: chat_id is empty")
    video_file = files.get("video")
    if video_file is None:
        if params.get("video"):
            raise TelegramError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise TelegramError(400, "Bad Request: there is no video in the request")
    if video_file.size > videos.upload_limit(store, PLATFORM):
        raise TelegramError(400, "Bad Request: file is too big")
    if video_file.size == 0:
        raise TelegramError(400, "Bad Request: file must be non-empty")
    caption = str(params.get("caption", ""))
    if len(caption) > 1024:
        raise TelegramError(400, "Bad Request: message caption is too long")
    channel = _visible_chat(store, bot_id, chat)
    status = _bot_status(channel, bot_id)
    if status == "left":
        raise TelegramError(403, f"Forbidden: bot is not a member of the {channel.type} chat")
    if status == "kicked":
        raise TelegramError(403, f"Forbidden: bot was kicked from the {channel.type} chat")
    if channel.type == "channel" and (
        status == "member" or (status == "administrator" and not channel.can_post)
    ):
        raise TelegramError(400, "Bad Request: need administrator rights in the channel chat")
    with store.write() as conn:
        row = conn.execute(
            "SELECT next_message_id FROM channels WHERE chat_id = ?", (channel.chat_id,)
        ).fetchone()
        message_id = row["next_message_id"]
        conn.execute(
            "UPDATE channels SET next_message_id = next_message_id + 1 WHERE chat_id = ?",
            (channel.chat_id,),
        )
    now = store.now()
    duration = _int(params.get("duration"))
    width, height = _int(params.get("width")) or 720, _int(params.get("height")) or 1280
    file_id = f"BAACAgIAAxkBAAI{secrets.token_urlsafe(24)}"
    videos.create(
        store,
        Video(
            platform=PLATFORM,
            id=f"{channel.chat_id}_{message_id}",
            account=str(bot_id),
            owner_id=channel.chat_id,
            title=caption[:128],
            description=caption,
            status="ready",
            created_at=now,
            uploaded_at=now,
            ready_at=now,
            bytes=video_file.size,
            uploads=1,
            extra={"message_id": message_id, "chat": chat, "file_id": file_id},
        ),
    )
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(now),
        "chat": channel.as_chat(),
        "video": {
            "file_id": file_id,
            "file_unique_id": f"AgAD{secrets.token_urlsafe(9)}",
            "width": width,
            "height": height,
            "duration": duration,
            "mime_type": video_file.content_type or "video/mp4",
            "file_name": video_file.name,
            "file_size": video_file.size,
        },
    }
    if channel.type == "channel":
        message["sender_chat"] = channel.as_chat()
    if caption:
        message["caption"] = caption
    return message


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _params(request: HttpRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    if (request.content_type or "") == "application/json":
        body = json_body(request) or {}
        return {**{key: request.GET.get(key) for key in request.GET}, **body}, {}
    return form_params(request)


@endpoint(PLATFORM, lambda token, method: METHODS.get(method.lower(), method), _fault)
def bot_method(request: HttpRequest, token: str, method: str) -> HttpResponse:
    try:
        if not looks_like_bot_token(token):
            raise TelegramError(401, "Unauthorized: invalid token specified")
        try:
            bot_id = verify_bot_token(token)
        except TokenError as exc:
            raise TelegramError(401, "Unauthorized") from exc
        name = METHODS.get(method.lower())
        if name is None:
            raise TelegramError(404, "Not Found")
        try:
            params, files = _params(request)
        except BadBody as exc:
            raise TelegramError(
                400, "Bad Request: wrong file identifier/HTTP URL specified"
            ) from exc
        store = get_store()
        if name == "getMe":
            result: Any = _get_me(bot_id)
        elif name == "getChat":
            result = _get_chat(store, bot_id, params)
        elif name == "getChatMember":
            result = _get_chat_member(store, bot_id, params)
        elif name == "getChatMemberCount":
            result = 42 if _visible_chat(store, bot_id, str(params.get("chat_id", ""))) else 0
        else:
            result = _send_video(store, bot_id, params, files)
    except TelegramError as exc:
        return _error(exc.code, exc.description, exc.retry_after)
    return json_response({"ok": True, "result": result})


# --- Registration -----------------------------------------------------------------------------


def issue_credentials(**params: Any) -> dict[str, Any]:
    """``{"token", "bot_id", "bot_username", "chat_id", "chat"}``; ``scenario`` picks the chat:
    ``ok`` (default: a channel where the bot is an admin who can post), ``creator``, ``private``
    (no @username), ``cannot_post``, ``not_admin``, ``not_member``, ``kicked``, ``group`` (not a
    channel), ``chat_not_found`` (a name that does not exist)."""
    store = get_store()
    bot_id, token = new_bot(store)
    chat = create_channel(store, bot_id, str(params.get("scenario") or "ok"))
    return {"token": token, "bot_id": bot_id, "bot_username": f"sandbox_{bot_id}_bot", **chat}


def issue_channel(bot_id: int, scenario: str = "ok", title: str | None = None) -> dict[str, Any]:
    """A further channel for an existing bot: ``{"chat_id", "chat"}`` (see ``create_channel``)."""
    return create_channel(get_store(), int(bot_id), scenario, title)


def demo_connection(name: str) -> dict[str, Any]:
    """The demo bot (the account) and its first channel (its own place)."""
    store = get_store()
    bot_id, token = new_bot(store)
    chat = create_channel(store, bot_id, "ok", "Демо-канал")["chat"]
    return {
        "access_token": token,
        "account_id": str(bot_id),
        "account_name": f"@sandbox_{bot_id}_bot",
        "extra": {
            "chat_id": chat["id"],
            "chat_username": chat.get("username", ""),
            "chat_title": chat["title"],
            "bot_id": bot_id,
            "bot_username": f"sandbox_{bot_id}_bot",
        },
    }


def demo_places(stored: dict[str, Any]) -> list[dict[str, Any]]:
    """The demo bot's second channel."""
    chat = issue_channel(int(stored["extra"]["bot_id"]), title="Запасной канал")["chat"]
    return [
        {
            "external_id": str(chat["id"]),
            "name": chat["title"],
            "kind": "channel",
            "extra": {"chat_id": chat["id"], "chat_username": chat.get("username", "")},
        }
    ]


def issue_place(extra: dict[str, Any]) -> dict[str, Any]:
    """For the places page: a new channel where the connection's bot is an admin who can post."""
    return {"chat_id": issue_channel(int(extra["bot_id"]))["chat_id"]}


def upload_limit() -> int:
    return 2_000_000_000 if telegram_local_api() else 50_000_000


def public_post(request: HttpRequest, username: str, message_id: int) -> HttpResponse:
    channel = find_chat(get_store(), f"@{username}")
    return watch_page(request, PLATFORM, f"{channel.chat_id}_{message_id}" if channel else None)


def private_post(request: HttpRequest, internal_id: str, message_id: int) -> HttpResponse:
    return watch_page(request, PLATFORM, f"-100{internal_id}_{message_id}")


register(
    SandboxPlatform(
        name=PLATFORM,
        label="Telegram",
        urlpatterns=[
            re_path(
                r"^telegram/bot(?P<token>[^/]*)/(?P<method>[A-Za-z]+)$",
                bot_method,
                name="telegram-method",
            ),
            path(
                "web/telegram/c/<str:internal_id>/<int:message_id>",
                private_post,
                name="web-telegram-private",
            ),
            path("web/telegram/<str:username>/<int:message_id>", public_post, name="web-telegram"),
        ],
        issue_credentials=issue_credentials,
        demo_connection=demo_connection,
        upload_limit=upload_limit,
        issue_place=issue_place,
        demo_places=demo_places,
    )
)
