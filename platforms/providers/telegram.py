"""Telegram channel adapter (Bot API: a bot that is an admin of the user's channel posts clips).

The Bot API takes the token in the URL path (``/bot<token>/<method>``), so every message built
from a request or an exception is scrubbed of it. Calls are ``POST`` with a form body;
``sendVideo`` is a streamed multipart body. The Bot API has no way to look a message up, so a
send whose outcome is unknown cannot be checked; the handle (chat id and message id) is only
known once Telegram answers, and there are no stats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import closing
from typing import Any

from django.conf import settings

from platforms.constants import Platform
from platforms.providers.media_limits import COMMON_CODECS, MediaLimits

from .errors import (
    AuthExpired,
    ConnectInputInvalid,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
    UploadIncomplete,
)
from .nouns import Noun
from .registry import register
from .telegram_captions import CAPTION_MAX as CAPTION_MAX
from .telegram_captions import ELLIPSIS as ELLIPSIS
from .telegram_captions import caption_text as caption_text
from .telegram_captions import cut_caption as cut_caption
from .telegram_errors import TelegramErrorMapping, _with_message
from .telegram_errors import as_status as as_status
from .telegram_places import CHAT_FIELD, TelegramPlacesMixin, chat_input
from .texts import split_caption
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
    SentText,
    TextLimits,
)

_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
# verify() codes that mean the channel input is at fault, not the token.
_CHAT_CODES = frozenset({"no_chat", "not_a_channel", "cannot_post", "not_admin"})


def caption_for(meta: PublishMeta) -> str:
    return TelegramProvider.text_sent(title=meta.title, description=meta.description).caption or ""


def telegram_link(chat_id: Any, message_id: Any, username: str | None) -> str:
    web = TelegramProvider.url("TELEGRAM_WEB_URL")
    if username:
        return f"{web}/{username.lstrip('@')}/{message_id}"
    raw = str(chat_id)
    internal = raw[4:] if raw.startswith("-100") else raw.lstrip("-")
    return f"{web}/c/{internal}/{message_id}"


@register
class TelegramProvider(TelegramPlacesMixin, TelegramErrorMapping):
    platform = Platform.TELEGRAM
    label = "Telegram"
    colour = "#1C8FC7"
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
    noun = Noun.indeclinable("Telegram")
    text_limits = TextLimits(caption=CAPTION_MAX, units="utf16")
    # sendVideo posts as it answers and the Bot API cannot list a channel's posts: a lost
    # answer after the whole body went out stays unknown (docs/unknown-outcome.md).
    outcome_unknown_hint = (
        "откройте канал и найдите в нём {video} — Telegram публикует пост сразу, без обработки."
    )

    # Text --------------------------------------------------------------------------------

    @classmethod
    def text_joined(cls, *, title: str, description: str, mode: str | None = None) -> str | None:
        return caption_text(title, description)

    @classmethod
    def text_sent(cls, *, title: str, description: str, mode: str | None = None) -> SentText:
        """One caption, cut by ``cut_caption``; its parts are what remains of each."""
        whole = caption_text(title, description)
        return split_caption(title, cut_caption(whole), whole=whole)

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
