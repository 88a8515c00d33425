"""Destinations that need the platform: listing the places a connection can post to, adding
the ones the user ticks (VK's communities) or names (a channel for a Telegram bot), and checking
a place. Network calls happen with no transaction open; the writes are ``platforms.destinations``.

Each refusal is a ``DestinationRejected`` with a Russian message saying what to do next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from platforms.destinations import (
    DestinationRejected,
    destination_limit_message,
    destination_record_check,
    destination_save_place,
)
from platforms.models import KIND_LABELS, ConnectionStatus, Destination, PlatformConnection
from platforms.providers import (
    AuthExpired,
    ConnectInputInvalid,
    Credentials,
    DestinationInfo,
    PlatformProvider,
    ProviderError,
    RateLimited,
    TransientError,
    get_provider,
    platform_noun,
)
from platforms.selectors import destination_slots_left
from platforms.services import (
    ConnectionRefreshFailed,
    connection_mark_expired,
    connection_refresh,
)

T = TypeVar("T")


@dataclass(frozen=True)
class PlaceOption:
    """A place the platform offers, and the user's destination for it when already added."""

    place: DestinationInfo
    destination: Destination | None

    @property
    def added(self) -> bool:
        return self.destination is not None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.place.kind, self.place.kind)


def _ask(connection: PlatformConnection, call: Callable[[PlatformProvider, Credentials], T]) -> T:
    """Run ``call`` with the connection's credentials; an OAuth token the platform refuses is
    refreshed once. Platform refusals become ``DestinationRejected``."""
    noun = platform_noun(connection.platform)
    if connection.status != ConnectionStatus.ACTIVE:
        raise DestinationRejected(
            f"Доступ к {noun.dative} истёк. Переподключите {noun.accusative}, затем повторите.",
            code="expired",
        )
    provider = get_provider(connection.platform)
    try:
        try:
            return call(provider, connection.credentials())
        except AuthExpired:
            if not provider.uses_oauth:
                raise
            connection = connection_refresh(connection=connection)
            return call(provider, connection.credentials())
    except ConnectionRefreshFailed as exc:
        raise DestinationRejected(exc.user_message, code="auth_expired") from None
    except AuthExpired:
        connection_mark_expired(connection=connection, reason=provider.auth_expired_message())
        raise DestinationRejected(provider.auth_expired_message(), code="auth_expired") from None
    except (TransientError, RateLimited):
        raise DestinationRejected(
            f"{noun} сейчас {noun.agree('недоступен', 'недоступна', 'недоступно')}. "
            "Подождите минуту и попробуйте ещё раз.",
            code="unavailable",
        ) from None
    except ConnectInputInvalid as exc:
        raise DestinationRejected(exc.message, field=exc.field, code=exc.code) from None
    except ProviderError as exc:
        # The adapter names the input at fault (a channel the bot cannot post to: chat_id).
        field, message, code = provider.connect_refusal(exc)
        inputs = {spec.name for spec in provider.destination_fields}
        raise DestinationRejected(
            message, field=field if field in inputs else "destination", code=code
        ) from None


def destination_places(*, connection: PlatformConnection) -> list[PlaceOption]:
    """Every place the connection's credential can post to now, marked with the user's live
    destination for it (the account's own place first)."""
    places = _ask(connection, lambda p, c: p.destinations(credentials=c))
    mine = {
        d.external_id: d
        for d in Destination.objects.filter(connection=connection, removed_at__isnull=True)
    }
    return [PlaceOption(place=place, destination=mine.get(place.external_id)) for place in places]


def destination_add_listed(
    *, connection: PlatformConnection, external_ids: Sequence[str]
) -> list[Destination]:
    """Add the places the user ticked (ids from ``destination_places``); all or nothing."""
    wanted = list(dict.fromkeys(str(i) for i in external_ids))
    if not wanted:
        raise DestinationRejected("Отметьте хотя бы одно место.", code="empty")
    options = {o.place.external_id: o for o in destination_places(connection=connection)}
    missing = [i for i in wanted if i not in options]
    if missing:
        raise DestinationRejected(
            f"{platform_noun(connection.platform)} больше не предлагает это место. Обновите "
            "страницу и отметьте места заново.",
            code="not_offered",
        )
    new = [options[i] for i in wanted if not options[i].added]
    user = connection.user
    if len(new) > destination_slots_left(user=user) or not user.plan_allows(connection.platform):
        raise DestinationRejected(destination_limit_message(user), code="limit")
    return [destination_save_place(connection=connection, place=o.place) for o in new]


def destination_add_manual(
    *, connection: PlatformConnection, values: Mapping[str, str]
) -> Destination:
    """Add a place named by hand (Telegram: a channel), after the platform confirmed the
    credential can post there (``destination_check``: ``getChat``/``getChatMember``)."""
    provider = get_provider(connection.platform)
    if not provider.destination_fields:
        raise DestinationRejected(
            f"Места {provider.noun.genitive} не добавляются вручную: выберите их из списка.",
            code="not_manual",
        )
    try:
        extra = provider.destination_input(values)
    except ConnectInputInvalid as exc:
        raise DestinationRejected(exc.message, field=exc.field, code=exc.code) from None
    wanted = DestinationInfo(external_id="", name="", kind=provider.destination_kind, extra=extra)
    place = _ask(connection, lambda p, c: p.destination_check(credentials=c, place=wanted))
    return destination_save_place(connection=connection, place=place)


def destination_test(*, destination: Destination) -> tuple[bool, str]:
    """Check with the platform that the connection can still post to this place; records the
    result (and the place's current name)."""
    connection = destination.connection
    try:
        place = _ask(
            connection, lambda p, c: p.destination_check(credentials=c, place=destination.info())
        )
    except DestinationRejected as exc:
        destination_record_check(destination=destination, ok=False, detail=exc.message)
        return False, exc.message
    destination_record_check(
        destination=destination, ok=True, detail="", name=place.name[:255] or destination.name
    )
    return True, f"Можно публиковать: {destination.label}."
