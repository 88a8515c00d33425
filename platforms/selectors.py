"""Reads about connections and destinations shared by the settings pages, the API, admin and
tasks. Every read is scoped to its owner, so another user's connection or destination is simply
not found."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from platforms.models import ConnectionStatus, Destination, PlatformConnection
from platforms.providers import oauth_platforms, provider_class, provider_classes

DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class PlatformState:
    """One connection as the user sees it, or a platform not connected (no tokens here)."""

    platform: str
    label: str
    status: str  # active / expired / revoked / disconnected
    account_name: str
    account_id: str
    connected_at: datetime | None
    expires_at: datetime | None
    allowed_by_plan: bool
    uses_oauth: bool
    last_checked_at: datetime | None
    last_check_ok: bool | None
    last_error: str
    connection: PlatformConnection | None
    destinations: list[Destination] = field(default_factory=list)

    @property
    def is_connected(self) -> bool:
        return self.status in (ConnectionStatus.ACTIVE, ConnectionStatus.EXPIRED)

    @property
    def refreshes(self) -> bool:
        """The token renews itself (OAuth with a refresh token): its expiry is no concern."""
        return self.connection is not None and bool(self.connection.refresh_token_sealed)

    @property
    def connection_id(self) -> uuid.UUID | None:
        return self.connection.pk if self.connection is not None else None

    @property
    def destination_count(self) -> int:
        return len(self.destinations)


@dataclass(frozen=True)
class PlatformGroup:
    """A platform on the settings page: its live connections (each with its places)."""

    platform: str
    label: str
    allowed_by_plan: bool
    uses_oauth: bool
    lists_destinations: bool
    adds_destinations: bool
    destination_action: str
    states: list[PlatformState]
    # An OAuth platform that also takes a token the user pasted (VK without an approved app).
    takes_token: bool = False

    @property
    def connected(self) -> list[PlatformState]:
        return [s for s in self.states if s.is_connected]


def _is_live(conn: PlatformConnection) -> bool:
    return conn.status != ConnectionStatus.REVOKED


def connection_list(*, user: Any, platform: str | None = None) -> QuerySet[PlatformConnection]:
    """The user's live (active or expired) connections, oldest first."""
    rows = PlatformConnection.objects.filter(user=user).exclude(status=ConnectionStatus.REVOKED)
    if platform is not None:
        rows = rows.filter(platform=platform)
    return rows.order_by("connected_at", "id")


def connection_get(*, user: Any, platform: str) -> PlatformConnection | None:
    """The user's first live (active or expired) connection to ``platform``, if any."""
    return connection_list(user=user, platform=platform).first()


def connection_get_by_id(*, user: Any, connection_id: Any) -> PlatformConnection | None:
    """The user's live connection with this id, or None (missing, revoked or not theirs)."""
    try:
        key = uuid.UUID(str(connection_id))
    except ValueError:
        return None
    return connection_list(user=user).filter(pk=key).first()


def _state(
    provider: Any, user: Any, conn: PlatformConnection | None, places: list[Any]
) -> PlatformState:
    platform = str(provider.platform)
    live = conn is not None and _is_live(conn)
    return PlatformState(
        platform=platform,
        label=provider.label,
        status=conn.status if conn is not None else DISCONNECTED,
        account_name=conn.account_name if live and conn else "",
        account_id=conn.account_id if live and conn else "",
        connected_at=conn.connected_at if live and conn else None,
        expires_at=conn.expires_at if live and conn else None,
        allowed_by_plan=user.plan_allows(platform),
        uses_oauth=provider.uses_oauth,
        last_checked_at=conn.last_checked_at if live and conn else None,
        last_check_ok=conn.last_check_ok if live and conn else None,
        last_error=conn.last_error if live and conn else "",
        connection=conn if live else None,
        destinations=places if live else [],
    )


def platform_state_list(*, user: Any) -> list[PlatformState]:
    """Every live connection in platform display order, and one row for each platform with no
    live connection (``revoked`` when it had one, else ``disconnected``)."""
    rows = list(PlatformConnection.objects.filter(user=user).order_by("connected_at", "id"))
    places: dict[Any, list[Destination]] = {}
    for place in destination_list(user=user):
        places.setdefault(place.connection_id, []).append(place)
    states = []
    for provider in provider_classes():
        platform = str(provider.platform)
        mine = [c for c in rows if c.platform == platform]
        live = [c for c in mine if _is_live(c)]
        if live:
            states += [_state(provider, user, c, places.get(c.pk, [])) for c in live]
        else:
            states.append(_state(provider, user, mine[-1] if mine else None, []))
    return states


def platform_state_get(*, user: Any, platform: str) -> PlatformState:
    """The first row of ``platform`` in ``platform_state_list``."""
    return next(s for s in platform_state_list(user=user) if s.platform == platform)


def platform_state_for(*, connection: PlatformConnection) -> PlatformState:
    """One connection's row (what the connect API answers)."""
    places = list(destination_list(user=connection.user).filter(connection=connection))
    return _state(provider_class(connection.platform), connection.user, connection, places)


def platform_groups(*, user: Any) -> list[PlatformGroup]:
    """The settings page: every platform with its live connections and their places."""
    states = platform_state_list(user=user)
    groups = []
    for provider in provider_classes():
        platform = str(provider.platform)
        groups.append(
            PlatformGroup(
                platform=platform,
                label=provider.label,
                allowed_by_plan=user.plan_allows(platform),
                uses_oauth=provider.uses_oauth,
                lists_destinations=provider.lists_destinations,
                adds_destinations=bool(provider.destination_fields),
                destination_action=provider.destination_action,
                states=[s for s in states if s.platform == platform],
                takes_token=provider.uses_oauth and bool(provider.connect_fields),
            )
        )
    return groups


# --- destinations ----------------------------------------------------------------------------


def _platform_order() -> dict[str, int]:
    return {str(p.platform): index for index, p in enumerate(provider_classes())}


def destination_list(*, user: Any) -> QuerySet[Destination]:
    """The user's live destinations (not removed, on a live connection), with connections."""
    return (
        Destination.objects.live()
        .filter(connection__user=user)
        .select_related("connection")
        .order_by("connection__connected_at", "connection_id", "created_at", "id")
    )


def destinations_in_order(*, user: Any) -> list[Destination]:
    """The user's live destinations in platform display order (then oldest first)."""
    order = _platform_order()
    return sorted(destination_list(user=user), key=lambda d: order.get(d.platform, len(order)))


def destination_get(*, user: Any, destination_id: Any) -> Destination | None:
    """The user's live destination with this id, or None (missing, removed or not theirs)."""
    try:
        key = int(str(destination_id))
    except ValueError:
        return None
    return destination_list(user=user).filter(pk=key).first()


def destinations_within_limit(*, user: Any) -> set[int]:
    """Ids of the places the user's plan lets them publish to: the oldest live destinations on
    the platforms the plan allows, up to the user's limit."""
    allowed = [
        d.pk
        for d in destination_list(user=user).order_by("created_at", "id")
        if user.plan_allows(d.platform)
    ]
    return set(allowed[: user.destinations_allowed])


def destination_slots_left(*, user: Any) -> int:
    """How many more places the user may add (never below zero)."""
    used = sum(1 for d in destination_list(user=user) if user.plan_allows(d.platform))
    return max(0, int(user.destinations_allowed) - used)


def connection_list_expiring(*, within_seconds: int) -> QuerySet[PlatformConnection]:
    """Active OAuth connections with a refresh token whose access token expires soon."""
    horizon = timezone.now() + timedelta(seconds=within_seconds)
    return (
        PlatformConnection.objects.filter(
            status=ConnectionStatus.ACTIVE,
            platform__in=oauth_platforms(),
            expires_at__isnull=False,
            expires_at__lte=horizon,
        )
        .exclude(refresh_token_sealed="")
        .order_by("expires_at")
    )


# --- token expiry (tokens that cannot refresh themselves) ---------------------------------------

# How long before a token's expiry the user is warned.
EXPIRY_WARNING_HOURS = 24


@dataclass(frozen=True)
class ExpiryWarning:
    """A connection whose token expires soon or has expired, and the user must reconnect.

    ``expired``: the token's time is up (or the platform already refused it); else it expires
    within ``EXPIRY_WARNING_HOURS``. ``expires_at`` is None for a token refused before its time.
    """

    connection: PlatformConnection
    expires_at: datetime | None
    expired: bool

    @property
    def platform(self) -> str:
        return self.connection.platform

    @property
    def label(self) -> str:
        return provider_class(self.connection.platform).label

    @property
    def account_name(self) -> str:
        return self.connection.account_name

    @property
    def hours_left(self) -> int:
        if self.expires_at is None or self.expired:
            return 0
        seconds = (self.expires_at - timezone.now()).total_seconds()
        return max(1, int(seconds // 3600))


def _cannot_refresh(rows: QuerySet[PlatformConnection]) -> QuerySet[PlatformConnection]:
    # A connection with a refresh token renews its access token by itself (every hour for VK
    # ID); only tokens without one (pasted by the user) run out for good.
    return rows.filter(refresh_token_sealed="")


def connection_list_expiring_within(
    *, hours: float = EXPIRY_WARNING_HOURS, user: Any = None
) -> QuerySet[PlatformConnection]:
    """Active connections whose token expires within ``hours`` (or already has) and cannot be
    refreshed: the user must reconnect. Soonest first; ``user`` narrows to one user's."""
    horizon = timezone.now() + timedelta(hours=hours)
    rows = PlatformConnection.objects.filter(
        status=ConnectionStatus.ACTIVE, expires_at__isnull=False, expires_at__lte=horizon
    )
    if user is not None:
        rows = rows.filter(user=user)
    return _cannot_refresh(rows).select_related("user").order_by("expires_at", "id")


def connection_expiry_warnings(
    *, user: Any, platforms: Any = None, hours: float = EXPIRY_WARNING_HOURS
) -> list[ExpiryWarning]:
    """What the platforms page and clip pages warn about: the user's tokens that expire within
    ``hours`` or have expired, and pasted tokens the platform has already refused."""
    now = timezone.now()
    warnings = [
        ExpiryWarning(connection=c, expires_at=c.expires_at, expired=c.expires_at <= now)
        for c in connection_list_expiring_within(hours=hours, user=user)
        if c.expires_at is not None
    ]
    refused = _cannot_refresh(
        PlatformConnection.objects.filter(
            user=user, status=ConnectionStatus.EXPIRED, expires_at__isnull=False
        )
    ).order_by("expires_at", "id")
    warnings += [
        ExpiryWarning(connection=c, expires_at=c.expires_at, expired=True) for c in refused
    ]
    if platforms is not None:
        wanted = {str(p) for p in platforms}
        warnings = [w for w in warnings if w.platform in wanted]
    return warnings


def connection_expired_by(*, connection: PlatformConnection, moment: datetime | None) -> bool:
    """Whether a publication at ``moment`` (None: now) would find the connection's token gone:
    it expires by then and cannot be refreshed, or the platform already refused it."""
    if connection.status == ConnectionStatus.EXPIRED:
        return True
    if connection.expires_at is None or connection.refresh_token_sealed:
        return False
    return connection.expires_at <= (moment or timezone.now())


def connection_expiry_for_panel(*, connection: PlatformConnection) -> datetime | None:
    """The moment after which the publish panel warns a time is too late for this connection:
    its expiry when the token cannot be refreshed, else None."""
    if connection.refresh_token_sealed or connection.status != ConnectionStatus.ACTIVE:
        return None
    return connection.expires_at
