"""Writes and rules for destinations: the places a connection posts to.

Saving a place the platform named (the account's own channel when connecting, a community the
user ticked, a channel added to a bot), renaming it locally, enabling it, and the per-plan limit
on how many places a user may have. No network calls here: what talks to the platform is
``platforms.destination_flows``. Disabling or removing a destination also cancels the
publications waiting for it, so those commands live in ``publishing.destinations`` and call
``destination_mark_disabled`` / ``destination_mark_removed`` from here.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from clipmaker.accounts.models import User
from clipmaker.logging import log_event
from platforms.models import Destination, PlatformConnection
from platforms.providers import AccountInfo, DestinationInfo, platform_label, provider_class
from platforms.selectors import destination_slots_left

NAME_MAX = 255


class DestinationRejected(Exception):
    """A destination change refused with a Russian message saying what to do next.

    ``field`` names the input at fault (``chat_id``, ``name``) or ``destination`` otherwise.
    """

    def __init__(self, message: str, *, field: str = "destination", code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def destination_limit_message(user: User) -> str:
    limit = user.destinations_allowed
    if limit == 0:
        return (
            f"На тарифе {user.get_plan_display()} публикация недоступна. Перейдите на тариф "
            "Start, чтобы публиковать в VK, или на Pro — до 10 мест на всех платформах."
        )
    return (
        f"На вашем тарифе можно публиковать не больше чем в {limit} мест(а). Удалите "
        "ненужное место в разделе «Платформы» или перейдите на тариф выше."
    )


def destination_save_place(
    *, connection: PlatformConnection, place: DestinationInfo
) -> Destination:
    """Add ``place`` to ``connection`` (or revive and refresh it when it was added before).

    Raises ``DestinationRejected`` (code ``limit``) when the user's plan has no slot left for a
    new or removed place. Adds of one user are serialised (the user's row is locked) so that
    two at once cannot pass the limit together.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=connection.user_id)
        found = (
            Destination.objects.select_for_update()
            .filter(connection=connection, external_id=place.external_id)
            .first()
        )
        counted = found is not None and found.removed_at is None
        if not counted and (
            not user.plan_allows(connection.platform) or destination_slots_left(user=user) <= 0
        ):
            raise DestinationRejected(destination_limit_message(user), code="limit")
        if found is None:
            found = Destination(connection=connection, external_id=place.external_id)
        elif found.removed_at is not None:
            found.enabled = True
            found.custom_name = ""
            found.created_at = timezone.now()
        found.removed_at = None
        found.kind = place.kind
        found.name = place.name[:NAME_MAX]
        found.extra = dict(place.extra)
        found.last_error = ""
        found.save()
    log_event(
        "destination_added",
        destination_id=found.pk,
        connection_id=str(connection.pk),
        platform=connection.platform,
        user_id=connection.user_id,
        kind=found.kind,
    )
    return found


def destination_store_own(
    *, connection: PlatformConnection, account: AccountInfo
) -> Destination | None:
    """After connecting: add the account's own place (``account_destination``) unless the plan
    has no slot left (then None: the connection is kept, the user frees a slot and adds it)."""
    place = provider_class(connection.platform).account_destination(account)
    if place is None:
        return None
    try:
        return destination_save_place(connection=connection, place=place)
    except DestinationRejected:
        return None


def destination_rename(*, destination: Destination, name: str) -> Destination:
    """The user's own name for the place (an empty name goes back to the platform's)."""
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        raise DestinationRejected(
            f"Название слишком длинное: не больше {NAME_MAX} символов.", field="name", code="long"
        )
    Destination.objects.filter(pk=destination.pk).update(
        custom_name=name, updated_at=timezone.now()
    )
    destination.refresh_from_db()
    return destination


MODE_INVALID_MESSAGE = "Выберите, как публиковать: Клип или видео."


def destination_set_mode(*, destination: Destination, mode: str, wallpost: bool) -> Destination:
    """How publications to the place go out by default (VK: ``vk_mode`` "clip" or "video") and
    whether they also go on its wall (``vk_wallpost``); each publication may still choose."""
    provider = provider_class(destination.platform)
    if mode not in provider.modes:
        raise DestinationRejected(MODE_INVALID_MESSAGE, field="mode", code="invalid")
    extra = {**destination.extra, "vk_mode": mode, "vk_wallpost": bool(wallpost)}
    Destination.objects.filter(pk=destination.pk).update(extra=extra, updated_at=timezone.now())
    destination.refresh_from_db()
    return destination


def destination_enable(*, destination: Destination) -> Destination:
    Destination.objects.filter(pk=destination.pk).update(enabled=True, updated_at=timezone.now())
    destination.refresh_from_db()
    return destination


def destination_mark_disabled(*, destination: Destination) -> None:
    """Stop offering the place for new publications (inside the caller's transaction)."""
    Destination.objects.filter(pk=destination.pk).update(enabled=False, updated_at=timezone.now())


def destination_mark_removed(*, destinations: Any) -> int:
    """Remove places (a queryset), keeping their rows for the publications made to them."""
    now = timezone.now()
    return int(destinations.filter(removed_at__isnull=True).update(removed_at=now, updated_at=now))


def destination_record_check(
    *, destination: Destination, ok: bool, detail: str, **updates: Any
) -> None:
    now = timezone.now()
    Destination.objects.filter(pk=destination.pk).update(
        last_checked_at=now, last_check_ok=ok, last_error=detail[:1000], updated_at=now, **updates
    )
    destination.refresh_from_db()


def destination_mark_unreachable(*, destination: Destination, detail: str) -> None:
    """A publish found the place out of reach (a Telegram bot kicked from its channel): record
    a failed check on the place and on its connection at once, so that the settings page says
    what is wrong instead of «работает» until someone presses «Проверить»."""
    destination_record_check(destination=destination, ok=False, detail=detail)
    now = timezone.now()
    PlatformConnection.objects.filter(pk=destination.connection_id).update(
        last_checked_at=now, last_check_ok=False, last_error=detail[:1000], updated_at=now
    )
    log_event(
        "destination_unreachable",
        destination_id=destination.pk,
        connection_id=str(destination.connection_id),
        platform=destination.platform,
    )


def destination_label_for(platform: str, place: DestinationInfo) -> str:
    """«VK · Сообщество «Кухня»» for a place that is not stored yet."""
    from platforms.models import KIND_LABELS

    return f"{platform_label(platform)} · {KIND_LABELS.get(place.kind, place.kind)} «{place.name}»"
