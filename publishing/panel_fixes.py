"""What the publish panel offers next to a place it cannot publish to: a link to where the
problem is fixed (connect or reconnect the platform, the plan, the places), and why the
«Опубликовать» button is off when nothing can be published. Reads only; the reasons
themselves come from ``publishing.rules`` / ``publishing.validation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from clipmaker.clips.models import Clip
from platforms.models import ConnectionStatus, Destination
from platforms.providers import platform_label, provider_class


@dataclass(frozen=True)
class Fix:
    url: str
    label: str


def _settings(anchor: str) -> str:
    return f"{reverse('platforms:settings')}#{anchor}"


def plan_fix() -> Fix:
    return Fix(url=_settings("plan"), label="Тарифы и платформы →")


def connect_fix(platform: str) -> Fix:
    """«Подключить Telegram →»: straight to the token form, or to the platform's card where
    the OAuth button is (starting OAuth needs a POST)."""
    label = f"Подключить {platform_label(platform)} →"
    if provider_class(platform).uses_oauth:
        return Fix(url=_settings(f"platform-{platform}"), label=label)
    return Fix(url=reverse("platforms:connect", args=[platform]), label=label)


def reconnect_fix(platform: str) -> Fix:
    return Fix(
        url=_settings(f"platform-{platform}"),
        label=f"Переподключить {platform_label(platform)} →",
    )


def places_fix(platform: str) -> Fix:
    return Fix(url=_settings(f"platform-{platform}"), label="Места публикации →")


def destination_fix(*, user: Any, destination: Destination, within_limit: bool) -> Fix | None:
    """The link for a place the panel offers but cannot publish to, when a setting fixes it
    (file size, video format or a publication in flight are fixed elsewhere: no link)."""
    platform = destination.platform
    if not user.plan_allows(platform):
        return plan_fix()
    if destination.connection.status != ConnectionStatus.ACTIVE:
        return reconnect_fix(platform)
    if not within_limit:
        return places_fix(platform)
    return None


def group_fix(*, user: Any, platform: str, has_places: bool) -> Fix:
    """The link for a platform with no place to offer: the plan, the places, or connecting."""
    if not user.plan_allows(platform):
        return plan_fix()
    if has_places:
        return places_fix(platform)
    return connect_fix(platform)


@dataclass(frozen=True)
class Blocked:
    reason: str
    fix: Fix | None = None


def publish_blocked(*, clip: Clip, groups: list[dict[str, Any]]) -> Blocked | None:
    """Why neither «Опубликовать» nor «Запланировать» can do anything now, or None."""
    if clip.is_processing:
        return Blocked("Файл ещё проверяется: кнопки заработают, когда проверка закончится.")
    if clip.is_rejected:
        return Blocked("Клип отклонён при проверке: его нельзя опубликовать.")
    options = [option for group in groups for option in group["options"]]
    if any(not option["disabled"] for option in options):
        return None
    if not options:
        return Blocked(
            "Публиковать пока некуда: подключите хотя бы одну платформу.",
            Fix(url=reverse("platforms:settings"), label="Платформы →"),
        )
    return Blocked("Сейчас ни одно место не может принять этот клип: причина указана у каждого.")
