"""VK's errors: the API answers them inside HTTP 200 as ``{"error": {"error_code", "error_msg"}}``.

``VK_ERRORS`` maps a code to the class the engine acts on and what the user reads. The clips
methods (``shortVideo.*``) are undocumented: an account VK does not let use them gets 3 (unknown
method), 7 (permission denied) or 15 (access denied) there, which ``clips_refused`` turns into
a failure that offers publishing as a video instead (the engine never switches modes itself).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from platforms.providers.errors import (
    AuthExpired,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
)
from platforms.providers.http import scrub
from platforms.providers.types import as_int

PLATFORM = "vk"

# VK error code -> (error class, user message, retry_after for RateLimited).
_PERMISSION = "Проверьте права и переподключите VK в разделе «Платформы»."
VK_ERRORS: dict[int, tuple[type[ProviderError], str, float]] = {
    1: (TransientError, "VK вернул неизвестную ошибку. Публикация повторится автоматически.", 0),
    5: (AuthExpired, "", 0),
    6: (RateLimited, "VK ограничил частоту запросов. Публикация повторится автоматически.", 1.0),
    7: (PermanentError, f"Нет прав на публикацию видео в VK. {_PERMISSION}", 0),
    9: (RateLimited, "VK включил защиту от флуда. Публикация повторится через минуту.", 60.0),
    10: (TransientError, "Внутренняя ошибка VK. Публикация повторится автоматически.", 0),
    14: (
        PermanentError,
        "VK требует ввести капчу. Откройте vk.com в браузере, выполните любое действие "
        "в аккаунте и повторите публикацию.",
        0,
    ),
    15: (PermanentError, f"VK запретил доступ. {_PERMISSION}", 0),
    18: (
        PermanentError,
        "Аккаунт VK удалён или заблокирован. Подключите другой аккаунт VK.",
        0,
    ),
    22: (
        PermanentError,
        "VK не принял файл. Проверьте, что клип — видео в формате MP4, и повторите.",
        0,
    ),
    27: (
        PermanentError,
        "Нет доступа к сообществу VK. Переподключите VK от имени администратора сообщества.",
        0,
    ),
    29: (
        RateLimited,
        "Достигнут суточный лимит VK на загрузку видео. Публикация повторится через час.",
        3600.0,
    ),
    100: (
        PermanentError,
        "VK отклонил параметры публикации. Проверьте название и описание клипа и повторите.",
        0,
    ),
    200: (PermanentError, f"Нет доступа к альбому VK. {_PERMISSION}", 0),
    203: (
        PermanentError,
        "Нет доступа к сообществу VK. Проверьте, что вы его администратор, и переподключите VK.",
        0,
    ),
    204: (PermanentError, f"Нет доступа к видео VK. {_PERMISSION}", 0),
    214: (
        PermanentError,
        "VK запретил публикацию в это сообщество. Проверьте настройки сообщества и повторите.",
        0,
    ),
    704: (
        PermanentError,
        "VK требует двухфакторную аутентификацию. Включите её в настройках VK "
        "и повторите публикацию.",
        0,
    ),
}

# shortVideo.publish: VK is still processing the upload; ask again later.
STILL_PROCESSING = 3001
# What a clips method answers an account VK does not let publish Клипы through the API.
CLIPS_REFUSAL_CODES = frozenset({3, 7, 15})
# The engine stores this as the publication's error code; pages offer «Опубликовать как видео».
CLIPS_REFUSED = "clips_refused"
CLIPS_REFUSED_MESSAGE = (
    "VK не разрешил этому аккаунту публиковать Клипы через API (ошибка {code}). "
    "Опубликуйте клип как обычное видео: нажмите «Опубликовать как видео» или выберите "
    "режим «Видео» при публикации."
)


def error_code(error: Any) -> int:
    return as_int(error.get("error_code")) if isinstance(error, Mapping) else 0


def api_error(
    error: Any,
    *,
    auth_expired_message: str,
    secrets: Sequence[str | None] = (),
    body_sent: bool = False,
) -> ProviderError:
    """Our error for VK's error object (``{"error_code", "error_msg"}``)."""
    code = error_code(error)
    message = str(error.get("error_msg", "")) if isinstance(error, Mapping) else str(error)
    common: dict[str, Any] = {
        "platform": PLATFORM,
        "status": 200,
        "code": code,
        "platform_message": scrub(message, secrets),
        "body_sent": body_sent,
    }
    cls, user_message, retry_after = VK_ERRORS.get(
        code,
        (
            PermanentError,
            f"VK вернул ошибку {code}. Проверьте клип и подключение VK и повторите.",
            0,
        ),
    )
    if cls is AuthExpired:
        return AuthExpired(auth_expired_message, **common)
    if cls is RateLimited:
        return RateLimited(user_message, retry_after=retry_after, **common)
    return cls(user_message, **common)


def clips_refused(err: ProviderError) -> PermanentError:
    """The clips API refused the account: fail, offering to publish as a video."""
    return PermanentError(
        CLIPS_REFUSED_MESSAGE.format(code=err.code),
        platform=PLATFORM,
        status=err.status,
        code=CLIPS_REFUSED,
        platform_message=f"{err.code}: {err.platform_message}",
    )
