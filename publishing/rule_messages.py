"""What the user is told when the rules refuse or a publication ends: every Russian message of
the engine, each saying what to do next, with the platform's name declined through its noun.
"""

from __future__ import annotations

from django.conf import settings

from clipmaker.accounts.models import User, plans_allowing
from platforms.models import Destination
from platforms.providers import (
    ProviderError,
    platform_noun,
    provider_class,
)

AUTH_EXPIRED_MESSAGE = "Токен истёк, переподключите платформу в настройках."
AFTER_RECONNECT_HINT = " Потом нажмите «Повторить»: КлипМейкер проверит уже загруженный клип."
FILE_MISSING_MESSAGE = "Файл клипа не найден. Загрузите клип заново."
INTERNAL_ERROR_MESSAGE = (
    "Внутренняя ошибка при публикации. Проверьте платформу: если поста нет, нажмите "
    "«Повторить»; если ошибка повторится, напишите в поддержку."
)
INTERRUPTED_MESSAGE = "Публикация прервалась. Она повторится автоматически."
RETRY_ONLY_FAILED_MESSAGE = "Повторить можно только публикацию, которая завершилась ошибкой."


# --- Messages --------------------------------------------------------------------------------


def not_connected_message(platform: str) -> str:
    return f"Подключите {platform_noun(platform).accusative} в настройках."


def plan_message(user: User, platform: str) -> str:
    plans = ", ".join(plans_allowing(platform))
    return (
        f"Публикация в {platform_noun(platform).accusative} недоступна на тарифе "
        f"{user.get_plan_display()}. Перейдите на тариф {plans}."
    )


def plan_cancelled_message(platform: str) -> str:
    return (
        f"Публикация недоступна на вашем тарифе: {platform_noun(platform)} в него не входит. "
        "Смените тариф и опубликуйте клип снова."
    )


def file_too_big_message(platform: str) -> str:
    limit = provider_class(platform).max_file_size_label()
    return (
        f"Файл слишком большой для {platform_noun(platform).genitive} (максимум {limit}). "
        "Сократите или пережмите клип."
    )


def in_flight_message(platform: str, *, place: str | None = None) -> str:
    """``place``: the destination's label («VK · Сообщество «Кухня»») when known."""
    return (
        "Этот клип уже запланирован или публикуется в "
        f"{place or platform_noun(platform).accusative}. "
        "Дождитесь окончания или отмените ту публикацию."
    )


def may_have_it_message(platform: str) -> str:
    return (
        f"Клип, возможно, уже передан в {platform_noun(platform).accusative}: КлипМейкер "
        "проверит это при "
        "следующей попытке и не отправит его второй раз. Отменить публикацию нельзя; если пост "
        "не нужен, удалите его на платформе."
    )


def disconnected_after_upload_message(platform: str) -> str:
    noun = platform_noun(platform)
    return (
        f"{noun} {noun.agree('отключён', 'отключена', 'отключено')}, а клип уже был передан "
        "платформе: узнать, чем закончилась публикация, КлипМейкер не может. Проверьте канал "
        f"в {noun.prepositional}; чтобы проверил КлипМейкер, подключите {noun.accusative} снова "
        "и нажмите «Повторить»."
    )


def disconnect_cancelled_message(platform: str) -> str:
    noun = platform_noun(platform)
    return f"Отменено: {noun} {noun.agree('отключён', 'отключена', 'отключено')} от КлипМейкера."


def destination_cancelled_message(destination: Destination, *, removed: bool) -> str:
    done = "удалено" if removed else "выключено"
    return f"Отменено: место «{destination.display_name}» {done} в настройках платформ."


def destination_removed_message(destination: Destination) -> str:
    return (
        f"Место «{destination.display_name}» удалено из КлипМейкера. Добавьте его снова в "
        "разделе «Платформы» и нажмите «Повторить»."
    )


def destination_disabled_message(destination: Destination) -> str:
    return (
        f"Место «{destination.display_name}» выключено. Включите его в разделе «Платформы» "
        "и нажмите «Повторить»."
    )


def limit_cancelled_message(user: User) -> str:
    return (
        "Публикация недоступна на вашем тарифе: мест публикации больше, чем он позволяет "
        f"({user.destinations_allowed}). Удалите лишние места или смените тариф и опубликуйте "
        "клип снова."
    )


def final_transient_message(platform: str, attempts: int, err: ProviderError | None) -> str:
    status = f" (ошибка {err.status})" if err is not None and err.status else ""
    return (
        f"Не удалось опубликовать в {platform_noun(platform).accusative} после {attempts} "
        "попыток: "
        f"платформа временно недоступна{status}. Нажмите «Повторить», чтобы попробовать ещё раз."
    )


def outcome_unknown_message(platform: str, *, title: str = "") -> str:
    """The platform may have posted the clip and cannot tell us: what exactly to look for
    (the provider's ``outcome_unknown_hint``) and what to do then (docs/unknown-outcome.md)."""
    noun = platform_noun(platform)
    video = f"видео «{title}»" if title else "это видео"
    hint = provider_class(platform).outcome_unknown_hint.format(video=video)
    return (
        f"Связь с {noun.instrumental} прервалась после отправки клипа, и неизвестно, "
        f"опубликован ли он. Проверьте {noun.accusative}: {hint} Если оно там есть, ничего "
        "делать не нужно; если нет — нажмите «Повторить»."
    )


def processing_timeout_message(platform: str) -> str:
    return (
        f"{platform_noun(platform)} слишком долго обрабатывает видео. Проверьте его на "
        "платформе; если его там нет, нажмите «Повторить»."
    )


def rate_limited_too_long_message(platform: str) -> str:
    hours = max(1, round(settings.PUBLISH_RATE_LIMITED_GIVE_UP_SECONDS / 3600))
    return (
        f"{platform_noun(platform)} ограничивает частоту запросов уже больше {hours} ч. "
        "Нажмите «Повторить» позже."
    )


def time_limit_message(platform: str) -> str:
    noun = platform_noun(platform)
    return (
        f"{noun} {noun.agree('принимал', 'принимала', 'принимало')} клип слишком долго. "
        "Публикация повторится автоматически."
    )
