"""Telegram channel adapter (Bot API: a bot that is an admin of the user's channel posts clips).

The Bot API takes the token in the URL path (``/bot<token>/<method>``), so every message built
from a request or an exception is scrubbed of it. Calls are ``POST`` with a form body;
``sendVideo`` is a streamed multipart body. The Bot API has no way to look a message up, so a
send whose outcome is unknown cannot be checked; the handle (chat id and message id) is only
known once Telegram answers, and there are no stats.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from contextlib import closing
from typing import Any

import requests
from django.conf import settings

from platforms.constants import Platform
from platforms.providers.media_limits import COMMON_CODECS, MediaLimits

from .base import PlatformProvider
from .errors import (
    AuthExpired,
    ConnectInputInvalid,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
    UploadIncomplete,
)
from .http import scrub
from .registry import register
from .telegram_places import CHAT_FIELD, TelegramPlacesMixin, chat_input
from .types import (
    AccountInfo,
    BaseUrl,
    ClipFile,
    ConnectField,
    Credentials,
    HandleCallback,
    PlatformHandle,
    ProgressCallback,
    PublishMeta,
    PublishResult,
    PublishState,
    Rate,
    TextLimits,
)

CAPTION_MAX = 1024
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
# verify() codes that mean the channel input is at fault, not the token.
_CHAT_CODES = frozenset({"no_chat", "not_a_channel", "cannot_post", "not_admin"})
ELLIPSIS = "…"


def _utf16_units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def cut_caption(text: str, limit: int = CAPTION_MAX) -> str:
    """Cut ``text`` to ``limit`` UTF-16 units (Telegram's measure), ending with "…" when cut.

    Never splits a character, never leaves a dangling combining mark or joiner, and prefers to
    end at a word boundary when one is near.
    """
    if sum(_utf16_units(ch) for ch in text) <= limit:
        return text
    budget = limit - _utf16_units(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for ch in text:
        width = _utf16_units(ch)
        if used + width > budget:
            break
        kept.append(ch)
        used += width
    cut = "".join(kept)
    boundary = max(cut.rfind(" "), cut.rfind("\n"))
    if boundary >= len(cut) - 50 and boundary > 0:
        cut = cut[:boundary]
    while cut and (unicodedata.category(cut[-1]) in ("Mn", "Me", "Cf") or cut[-1].isspace()):
        cut = cut[:-1]
    return cut + ELLIPSIS


def caption_for(meta: PublishMeta) -> str:
    title, description = meta.title.strip(), meta.description.strip()
    text = f"{title}\n\n{description}" if description and description != title else title
    return cut_caption(text)


def telegram_link(chat_id: Any, message_id: Any, username: str | None) -> str:
    web = TelegramProvider.url("TELEGRAM_WEB_URL")
    if username:
        return f"{web}/{username.lstrip('@')}/{message_id}"
    raw = str(chat_id)
    internal = raw[4:] if raw.startswith("-100") else raw.lstrip("-")
    return f"{web}/c/{internal}/{message_id}"


@register
class TelegramProvider(TelegramPlacesMixin, PlatformProvider):
    platform = Platform.TELEGRAM
    label = "Telegram"
    order = 40
    # 50 MB through the cloud Bot API, read the strictest way (decimal megabytes); 2000 MB
    # through a self-hosted Bot API server (TELEGRAM_LOCAL_API).
    max_file_size = 50_000_000
    local_max_file_size = 2_000_000_000
    # sendVideo plays MPEG-4 (H.264/HEVC) inline; other codecs would arrive as a document.
    media_limits = MediaLimits(video_codecs=COMMON_CODECS)
    upload_timeout = 300.0
    supports_stats = False
    # ~30 messages/s per bot; ~1/s per chat is each channel's bucket (destination_rate).
    account_rate = Rate(per_second=30.0, burst=30.0)
    worker_rate_limit = "20/s"
    base_urls = (
        BaseUrl("TELEGRAM_API_URL", "https://api.telegram.org", "telegram"),
        BaseUrl("TELEGRAM_WEB_URL", "https://t.me", "web/telegram"),
    )
    connect_fields = (
        ConnectField(
            name="token",
            label="Токен бота",
            required_message="Вставьте токен бота из @BotFather.",
            secret=True,
            max_length=200,
        ),
        CHAT_FIELD,  # the first channel; more are added to the same bot later
    )
    text_limits = TextLimits(caption=CAPTION_MAX)

    @classmethod
    def max_file_size_bytes(cls) -> int:
        return cls.local_max_file_size if telegram_local_api() else cls.max_file_size

    @classmethod
    def place_lost(cls, err: Any) -> bool:
        """403 (the bot was kicked from the channel or is no longer an admin there) or "chat
        not found": the channel is out of reach until the user fixes it."""
        if not isinstance(err, PermanentError):
            return False
        return err.status == 403 or "chat not found" in err.platform_message.lower()

    @classmethod
    def holds_upload(cls, handle: PlatformHandle) -> bool:
        return True  # the handle is the platform's answer to the whole clip

    def api_url(self) -> str:
        return self.url("TELEGRAM_API_URL")

    # Connecting --------------------------------------------------------------------------

    @classmethod
    def connect_input(cls, values: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        token, extra = super().connect_input(values)
        if not _TOKEN_RE.match(token):
            raise ConnectInputInvalid(
                "Это не похоже на токен бота Telegram (вида 123456789:AA...). "
                "Скопируйте токен из сообщения @BotFather целиком.",
                field="token",
                code="invalid_token",
            )
        return token, {**extra, "chat_id": chat_input(values)}

    def connect_refusal(self, err: ProviderError) -> tuple[str, str, str]:
        code = str(err.code or "")
        field = "chat_id" if code in _CHAT_CODES or err.status in (400, 403) else "token"
        return field, err.user_message, code or "refused"

    def invalid_token_message(self) -> str:
        return (
            "Telegram не принял токен бота: он неверный или отозван. Скопируйте токен из "
            "@BotFather (команда /token) и вставьте его снова."
        )

    def auth_expired_message(self) -> str:
        return (
            "Токен бота Telegram недействителен или отозван. Проверьте токен у @BotFather "
            "и подключите Telegram заново."
        )

    # Calls and errors --------------------------------------------------------------------

    def call(
        self,
        method: str,
        credentials: Credentials,
        data: Mapping[str, Any] | None = None,
        **kw: Any,
    ) -> Any:
        token = credentials.access_token
        try:
            payload = self.request_json(
                "POST", f"{self.api_url()}/bot{token}/{method}", data=data, secrets=[token], **kw
            )
            if not isinstance(payload, Mapping) or not payload.get("ok"):
                body = kw.get("body")
                sent = body is not None and body.finished
                status = as_status(payload)
                raise self.map_telegram_error(status, payload, secrets=[token], body_sent=sent)
        except AuthExpired as err:
            if err.status == 404 and method != "getMe":
                raise self.not_found_confirmed(credentials, err) from None
            raise
        return payload.get("result")

    def not_found_confirmed(self, credentials: Credentials, err: AuthExpired) -> ProviderError:
        """A Telegram 404 reads as "token invalid" only if ``getMe`` fails too; a wrong base
        URL or a passing hiccup must not expire the connection."""
        common: dict[str, Any] = {
            "platform": err.platform,
            "status": err.status,
            "code": err.code,
            "platform_message": err.platform_message,
            "body_sent": err.body_sent,
        }
        try:
            self.call("getMe", credentials)
        except AuthExpired:
            return err
        except (TransientError, RateLimited):
            return TransientError(
                "Telegram ответил «не найдено» (404), а проверить токен бота сейчас не удалось. "
                "Публикация повторится автоматически.",
                **common,
            )
        except ProviderError as confirmed:
            return confirmed  # getMe's own refusal (a base URL that is not a Bot API server)
        return PermanentError(
            "Telegram ответил «не найдено» (404), хотя токен бота действителен. Повторите "
            "публикацию позже; если ошибка повторится, сообщите в поддержку.",
            **common,
        )

    def error_details(self, payload: Any) -> tuple[str | int | None, str]:
        if isinstance(payload, Mapping) and "description" in payload:
            return payload.get("error_code"), str(payload.get("description") or "")
        return super().error_details(payload)

    def error_for_response(
        self, response: requests.Response, *, secrets: Iterable[str | None] = (), body_sent: bool
    ) -> ProviderError:
        try:
            payload = response.json()
        except ValueError:
            payload = {"error_code": response.status_code, "description": response.text[:300]}
        return self.map_telegram_error(
            response.status_code, payload, secrets=secrets, body_sent=body_sent
        )

    def map_telegram_error(
        self, status: int, payload: Any, *, secrets: Iterable[str | None], body_sent: bool
    ) -> ProviderError:
        code, description = self.error_details(payload)
        common: dict[str, Any] = {
            "platform": str(self.platform),
            "status": status,
            "code": code,
            "platform_message": scrub(description, secrets),
            "body_sent": body_sent,
        }
        text = description.lower()
        # Telegram's own answers are {"ok": false, ...}; anything else came from another server.
        from_telegram = isinstance(payload, Mapping) and payload.get("ok") is False
        if status == 401 or (status == 404 and from_telegram):
            # A 404 from a method call is confirmed with getMe before it counts (call()).
            return AuthExpired(self.auth_expired_message(), **common)
        if status == 404:
            return PermanentError(
                "Адрес Bot API Telegram отвечает не как Telegram (ошибка 404): проверьте "
                "настройку TELEGRAM_API_URL. Подключение не изменено; повторите публикацию, "
                "когда адрес будет исправлен.",
                **{**common, "code": "api_not_found"},
            )
        if status == 429:
            params = payload.get("parameters") if isinstance(payload, Mapping) else None
            retry_after = (params or {}).get("retry_after") if isinstance(params, Mapping) else None
            return RateLimited(
                "Telegram ограничил частоту сообщений. Публикация повторится автоматически.",
                retry_after=float(retry_after) if retry_after else self.default_retry_after,
                **common,
            )
        if status == 413 or "too big" in text or "too large" in text:
            return PermanentError(self.file_too_big_message(), **common)
        if status == 403:
            return PermanentError(
                "Бот не может публиковать в канал: его удалили из канала или лишили прав. "
                "Добавьте бота обратно в администраторы канала с правом публикации сообщений "
                "и повторите.",
                **common,
            )
        if "chat not found" in text:
            return PermanentError(
                "Канал Telegram не найден. Проверьте @имя или id канала и что бот добавлен "
                "в канал, затем подключите Telegram заново.",
                **common,
            )
        if status >= 500 or status == 0:
            return TransientError(
                f"Telegram временно недоступен (ошибка {status}). "
                "Публикация повторится автоматически.",
                **common,
            )
        return PermanentError(
            f"Telegram отклонил запрос: {common['platform_message'] or status}. "
            "Исправьте данные клипа и повторите.",
            **common,
        )

    # Connection --------------------------------------------------------------------------

    def verify(self, *, credentials: Credentials) -> AccountInfo:
        """The bot's token is valid (the account is the bot); when the credentials name a
        channel, also that it is a channel where the bot is an admin that can post."""
        bot = self.call("getMe", credentials)
        account = AccountInfo(
            account_id=str(bot.get("id", "")),
            account_name=f"@{bot['username']}" if bot.get("username") else "Бот Telegram",
            extra={"bot_id": bot.get("id"), "bot_username": bot.get("username", "")},
        )
        chat_ref = credentials.extra.get("chat_id") or credentials.extra.get("chat_username")
        if not chat_ref:
            return account
        chat = self.check_channel(credentials, bot, chat_ref)
        return AccountInfo(
            account_id=account.account_id,
            account_name=account.account_name,
            extra={
                **account.extra,
                "chat_id": chat["id"],
                "chat_username": chat.get("username") or "",
                "chat_title": chat.get("title") or "",
            },
        )

    def check_channel(
        self, credentials: Credentials, bot: Mapping[str, Any], chat_ref: Any
    ) -> Mapping[str, Any]:
        """``getChat`` + ``getChatMember``: the chat is a channel and the bot may post there."""
        bot_name = f"@{bot.get('username')}" if bot.get("username") else "бот"
        not_member = (
            f"Бот {bot_name} не состоит в канале {chat_ref}. Добавьте его в администраторы "
            "канала с правом публикации сообщений и проверьте подключение снова."
        )
        try:
            chat = self.call("getChat", credentials, {"chat_id": chat_ref})
        except PermanentError as err:
            if err.status == 403:
                raise _with_message(err, not_member) from None
            raise _with_message(
                err,
                f"Канал {chat_ref} не найден. Проверьте @имя или id канала и что бот "
                f"{bot_name} добавлен в него.",
            ) from None
        if chat.get("type") != "channel":
            raise PermanentError(
                f"{chat_ref} — не канал (тип «{chat.get('type')}»). Укажите канал Telegram.",
                platform=str(self.platform),
                code="not_a_channel",
            )
        try:
            member = self.call(
                "getChatMember", credentials, {"chat_id": chat["id"], "user_id": bot["id"]}
            )
        except PermanentError as err:
            raise _with_message(err, not_member) from None
        status = member.get("status")
        if status == "administrator" and not member.get("can_post_messages"):
            raise PermanentError(
                f"Бот {bot_name} — администратор канала, но без права «Публикация сообщений». "
                "Включите это право в настройках администраторов канала и проверьте "
                "подключение снова.",
                platform=str(self.platform),
                code="cannot_post",
            )
        if status not in ("administrator", "creator"):
            raise PermanentError(
                f"Бот {bot_name} не администратор канала {chat_ref}. Добавьте его в "
                "администраторы с правом публикации сообщений и проверьте подключение снова.",
                platform=str(self.platform),
                code="not_admin",
            )
        return dict(chat)

    # Publishing --------------------------------------------------------------------------

    def publish(
        self,
        *,
        credentials: Credentials,
        clip: ClipFile,
        meta: PublishMeta,
        resume: PlatformHandle | None,
        progress: ProgressCallback,
        on_handle: HandleCallback,
    ) -> PublishResult:
        if resume is not None and resume.data.get("message_id"):
            return self.check(credentials=credentials, handle=resume)
        chat_id = credentials.extra.get("chat_id") or credentials.extra.get("chat_username")
        if not chat_id:
            raise PermanentError(
                "Канал Telegram не указан. Подключите Telegram заново.",
                platform=str(self.platform),
                code="no_chat",
            )
        fields: dict[str, Any] = {
            "chat_id": chat_id,
            "caption": caption_for(meta),
            "supports_streaming": "true",
        }
        if meta.duration_seconds:
            fields["duration"] = round(meta.duration_seconds)
        if meta.width and meta.height:
            fields["width"], fields["height"] = meta.width, meta.height
        if clip.size > self.max_file_size_bytes():
            # Refused before a byte is sent: the Bot API would take the whole upload first.
            raise PermanentError(
                self.file_too_big_message(),
                platform=str(self.platform),
                code="file_too_big",
                platform_message=f"{clip.size} > {self.max_file_size_bytes()} bytes",
            )
        fileobj = self.open_clip(clip)
        with closing(fileobj):
            body = self.multipart_upload_body(
                fileobj=fileobj, clip=clip, fields=fields, file_field="video", progress=progress
            )
            message = self.call(
                "sendVideo",
                credentials,
                body=body,
                timeout=self.upload_timeouts(),
                upload_timeout=self.upload_timeout,
            )
        chat = message.get("chat") or {}
        handle = PlatformHandle(
            id=f"{chat.get('id', chat_id)}/{message['message_id']}",
            data={
                "chat_id": chat.get("id", chat_id),
                "message_id": message["message_id"],
                "chat_username": chat.get("username")
                or credentials.extra.get("chat_username")
                or "",
            },
        )
        on_handle(handle)
        return PublishResult(state=PublishState.PUBLISHED, handle=handle, url=self.link(handle))

    def link(self, handle: PlatformHandle) -> str:
        return telegram_link(
            handle.data.get("chat_id"),
            handle.data.get("message_id"),
            handle.data.get("chat_username") or None,
        )

    def check(self, *, credentials: Credentials, handle: PlatformHandle) -> PublishResult:
        # A message exists once Telegram answered sendVideo; there is no processing step.
        if not handle.data.get("message_id"):
            raise UploadIncomplete(platform=str(self.platform), code="no_message")
        return PublishResult(state=PublishState.PUBLISHED, handle=handle, url=self.link(handle))


def telegram_local_api() -> bool:
    """A self-hosted Bot API server is in use (``TELEGRAM_LOCAL_API``; the older name
    ``TELEGRAM_LOCAL_BOT_API`` still counts)."""
    return bool(
        getattr(settings, "TELEGRAM_LOCAL_API", False)
        or getattr(settings, "TELEGRAM_LOCAL_BOT_API", False)
    )


def as_status(payload: Any) -> int:
    if isinstance(payload, Mapping):
        try:
            return int(payload.get("error_code") or 0)
        except (TypeError, ValueError):
            return 0
    return 0


def _with_message(err: ProviderError, user_message: str) -> ProviderError:
    """The same error (class and details) with a message fitted to where it happened."""
    new = type(err)(
        user_message,
        platform=err.platform,
        status=err.status,
        code=err.code,
        platform_message=err.platform_message,
        body_sent=err.body_sent,
    )
    return new
