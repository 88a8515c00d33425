"""Validation before anything is created: which destinations a publish request means, and why
each of them cannot take the clip now.

A request names destinations (``destinations: [ids]``, errors keyed ``destination:<id>``) or,
the older way, platforms (``platforms: ["vk", ...]``, errors keyed by platform): a platform
means the user's one enabled destination there, and is refused when there are several. Reads
only; the messages come from ``publishing.rules``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from clipmaker.accounts.models import User
from clipmaker.clips.fit import clip_media_problems
from clipmaker.clips.models import Clip
from platforms.destinations import destination_limit_message
from platforms.models import ConnectionStatus, Destination, PlatformConnection
from platforms.providers import (
    is_platform,
    platform_label,
    platform_noun,
    platform_values,
    provider_class,
)
from platforms.selectors import destination_list, destinations_within_limit
from publishing import rules
from publishing.models import IN_FLIGHT_STATUSES, Publication

Errors = dict[str, list[str]]


def destination_key(destination_id: object) -> str:
    """The error key of one destination: ``destination:<id>``."""
    return f"destination:{destination_id}"


@dataclass
class Targets:
    """The destinations a request resolved to, each with the key its errors are reported under,
    and the errors found while resolving (unknown ids, ambiguous platforms)."""

    destinations: list[Destination] = field(default_factory=list)
    keys: dict[int, str] = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)

    def add_error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


def connection_problem(platform: str, connection: PlatformConnection | None) -> str | None:
    if connection is None or connection.status == ConnectionStatus.REVOKED:
        return rules.not_connected_message(platform)
    if connection.status != ConnectionStatus.ACTIVE:
        return rules.AUTH_EXPIRED_MESSAGE
    return None


def disabled_message(destination: Destination) -> str:
    return (
        f"Место «{destination.display_name}» выключено. Включите его в разделе «Платформы», "
        "чтобы публиковать туда."
    )


def several_message(platform: str) -> str:
    return (
        f"У вас несколько мест в {platform_noun(platform).prepositional}: укажите, куда публиковать, в поле destinations "
        "(список — GET /api/v1/destinations/)."
    )


def all_disabled_message(platform: str) -> str:
    return (
        f"Все места в {platform_noun(platform).prepositional} выключены. "
        "Включите нужное в разделе «Платформы»."
    )


def resolve_destinations(*, user: User, ids: Iterable[object]) -> Targets:
    """The user's live destinations with these ids; an unknown id (missing, removed or another
    user's — they read the same) is an error keyed ``destination:<id>``."""
    targets = Targets()
    wanted: list[int] = []
    for raw in dict.fromkeys(ids):
        try:
            wanted.append(int(str(raw)))
        except ValueError:
            targets.add_error(destination_key(raw), "Такого места публикации нет.")
    found = {d.pk: d for d in destination_list(user=user).filter(pk__in=wanted)}
    for pk in wanted:
        if pk in found:
            targets.destinations.append(found[pk])
            targets.keys[pk] = destination_key(pk)
        else:
            targets.add_error(
                destination_key(pk),
                "Такого места публикации нет: его удалили или отключили. Обновите список мест.",
            )
    return targets


def resolve_platforms(*, user: User, platforms: Sequence[str]) -> Targets:
    """The older request by platform: each platform's one enabled destination, errors keyed by
    the platform (not connected, several places, all disabled, unknown platform)."""
    targets = Targets()
    names = ", ".join(platform_label(p) for p in platform_values())
    mine = list(destination_list(user=user))
    for platform in dict.fromkeys(platforms):
        if not is_platform(platform):
            targets.add_error(
                str(platform), f"Неизвестная платформа «{platform}». Выберите {names}."
            )
            continue
        places = [d for d in mine if d.platform == platform]
        enabled = [d for d in places if d.enabled]
        if len(enabled) == 1:
            targets.destinations.append(enabled[0])
            targets.keys[enabled[0].pk] = platform
            continue
        if not user.plan_allows(platform):
            targets.add_error(platform, rules.plan_message(user, platform))
        if len(enabled) > 1:
            targets.add_error(platform, several_message(platform))
        elif places:
            targets.add_error(platform, all_disabled_message(platform))
        else:
            targets.add_error(platform, rules.not_connected_message(platform))
    return targets


def check_publish(
    *,
    user: User,
    clip: Clip,
    targets: Targets,
    scheduled_at: datetime | None,
    empty_key: str = "destinations",
) -> tuple[Errors, set[str]]:
    """(errors by key, keys whose only problem is a publication already in flight).

    Keys are each destination's (``targets.keys``), plus ``clip``, ``scheduled_at`` and
    ``empty_key`` (nothing chosen). No writes.
    """
    errors: Errors = {key: list(msgs) for key, msgs in targets.errors.items()}
    conflicts: set[str] = set()

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not targets.destinations and not targets.errors:
        add(empty_key, "Выберите хотя бы одно место публикации.")
    if clip.is_rejected:
        add("clip", f"Клип отклонён: {clip.status_message} Его нельзя опубликовать.")
    elif not clip.is_ready:
        add("clip", "Клип ещё не готов. Дождитесь окончания обработки и опубликуйте снова.")
    problem = rules.schedule_problem(rules.aware(scheduled_at), now=timezone.now())
    if problem:
        add("scheduled_at", problem)

    ids = [d.pk for d in targets.destinations]
    busy = set(
        Publication.objects.filter(
            clip=clip, destination_id__in=ids, status__in=IN_FLIGHT_STATUSES
        ).values_list("destination_id", flat=True)
    )
    within = destinations_within_limit(user=user) if ids else set()
    # What each platform accepts of the video itself (duration, frame, codec), once probed.
    media = clip_media_problems(clip=clip, platforms=[d.platform for d in targets.destinations])
    for destination in targets.destinations:
        key = targets.keys[destination.pk]
        platform = destination.platform
        before = len(errors.get(key, []))
        if not user.plan_allows(platform):
            add(key, rules.plan_message(user, platform))
        elif destination.pk not in within:
            add(key, destination_limit_message(user))
        if not destination.enabled:
            add(key, disabled_message(destination))
        problem = connection_problem(platform, destination.connection)
        if problem:
            add(key, problem)
        if clip.size_bytes > provider_class(platform).max_file_size_bytes():
            add(key, rules.file_too_big_message(platform))
        for problem in media.get(platform, []):
            add(key, problem)
        if destination.pk in busy:
            add(key, rules.in_flight_message(platform, place=destination.label))
            if len(errors[key]) == before + 1:
                conflicts.add(key)
    return errors, conflicts
