"""How Telegram's answers map to provider errors: the Bot API's ``{"ok": false, "error_code",
"description"}``, a 404 that only counts as an invalid token once ``getMe`` agrees (the adapter's
``call``), 429 with ``retry_after``, the bot removed from a channel, and answers from a server
that is not a Bot API at all. Every message is scrubbed of the token.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import requests

from .base import PlatformProvider
from .errors import (
    AuthExpired,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
)
from .http import scrub


class TelegramErrorMapping(PlatformProvider):
    """The error half of ``TelegramProvider``: Telegram's answers as provider errors."""

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
