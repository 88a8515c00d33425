"""The one error hierarchy every platform adapter raises.

The publishing engine decides what to do from the class alone (see DESIGN.md, error table):
``AuthExpired`` refresh and retry, ``RateLimited`` re-delay by ``retry_after``,
``TransientError`` retry with backoff, ``PermanentError`` fail at once, ``ClipFileMissing``
fail at once. Each error carries what support needs (platform, HTTP status, the platform's own
code and message) and what the user needs (``user_message``, Russian, saying what to do next).
None of them ever carries a token: adapters scrub the platform's text before building one.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthExpired",
    "ClipFileMissing",
    "ConnectInputInvalid",
    "OAuthError",
    "PermanentError",
    "ProviderError",
    "RateLimited",
    "Rejected",
    "TransientError",
    "UploadIncomplete",
]


class ProviderError(Exception):
    """Base of every error a provider raises; ``str(err)`` is the Russian ``user_message``."""

    default_user_message: str = "Платформа вернула ошибку. Повторите публикацию позже."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        platform: str = "",
        status: int | None = None,
        code: str | int | None = None,
        platform_message: str = "",
        body_sent: bool = False,
    ) -> None:
        self.user_message: str = user_message or self.default_user_message
        self.platform: str = platform
        self.status: int | None = status
        self.code: str | int | None = code
        self.platform_message: str = platform_message
        self.body_sent: bool = body_sent
        super().__init__(self.user_message)

    def __str__(self) -> str:
        return self.user_message

    def _repr_fields(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "status": self.status,
            "code": self.code,
            "platform_message": self.platform_message,
            "body_sent": self.body_sent,
        }

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self._repr_fields().items())
        return f"{type(self).__name__}({self.user_message!r}, {fields})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps the keyword-only attributes when the error crosses a process boundary
        # (Celery result backends, multiprocessing).
        return (_rebuild, (type(self), self.user_message, self.__dict__.copy()))


def _rebuild(cls: type[ProviderError], user_message: str, state: dict[str, Any]) -> ProviderError:
    err = cls.__new__(cls)
    Exception.__init__(err, user_message)
    err.__dict__.update(state)
    return err


class AuthExpired(ProviderError):
    """The token is invalid, expired or revoked (HTTP 401, VK code 5, Telegram 401)."""

    default_user_message = "Токен истёк, переподключите платформу в настройках."


class RateLimited(ProviderError):
    """The platform asked us to slow down; try again after ``retry_after`` seconds."""

    default_user_message = (
        "Платформа ограничила частоту запросов. Публикация повторится автоматически."
    )

    def __init__(
        self, user_message: str | None = None, *, retry_after: float = 60.0, **kwargs: Any
    ):
        super().__init__(user_message, **kwargs)
        self.retry_after: float = float(retry_after)

    def _repr_fields(self) -> dict[str, Any]:
        return {**super()._repr_fields(), "retry_after": self.retry_after}


class TransientError(ProviderError):
    """Worth retrying later: 5xx, timeouts, connection resets, VK codes 1 and 10."""

    default_user_message = "Платформа временно недоступна. Публикация повторится автоматически."


class UploadIncomplete(TransientError):
    """The platform knows the video (we hold its handle) but never received the whole file.

    Raised by ``check`` for a VK or Дзен handle whose upload did not complete; the engine
    treats it as transient, and ``publish(resume=handle)`` then sends the file again to the
    stored upload target instead of creating a second video.
    """

    default_user_message = "Загрузка файла не завершилась. Публикация повторится автоматически."


class PermanentError(ProviderError):
    """A refusal that retrying cannot fix: bad parameter, access denied, file too big."""

    default_user_message = "Платформа отклонила публикацию. Исправьте данные и повторите."


class OAuthError(PermanentError):
    """The OAuth server refused a code exchange or a refresh (e.g. ``invalid_grant``)."""

    default_user_message = "Не удалось подключить платформу. Подключите её заново."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        error: str = "",
        error_description: str = "",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("code", error or None)
        kwargs.setdefault("platform_message", error_description)
        super().__init__(user_message, **kwargs)
        self.error: str = error
        self.error_description: str = error_description

    def _repr_fields(self) -> dict[str, Any]:
        return {**super()._repr_fields(), "error": self.error}


class ClipFileMissing(ProviderError):
    """The clip's file is not in storage."""

    default_user_message = "Файл клипа не найден. Загрузите клип заново."


class Rejected(PermanentError):
    """The platform's moderation refused the video: re-sending the same clip cannot help, so a
    publication that ends with this error cannot be retried (publish the clip anew instead)."""

    default_user_message = "Платформа отклонила видео на модерации. Опубликуйте клип заново."


class ConnectInputInvalid(Exception):
    """What a user typed into a connect form is malformed; nothing was sent to the platform.

    ``field`` names the input at fault (``token``, ``chat_id``); the message is Russian and says
    what to do next.
    """

    def __init__(self, message: str, *, field: str = "token", code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
