"""Reads about platform connections shared by the settings page, the API, admin and tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from platforms.models import ConnectionStatus, PlatformConnection
from platforms.providers import oauth_platforms, provider_classes

DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class PlatformState:
    """One platform as the user sees it, whether connected or not (no tokens here)."""

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

    @property
    def is_connected(self) -> bool:
        return self.status in (ConnectionStatus.ACTIVE, ConnectionStatus.EXPIRED)


def connection_get(*, user: Any, platform: str) -> PlatformConnection | None:
    """The user's live (active or expired) connection to ``platform``, if any."""
    return (
        PlatformConnection.objects.filter(user=user, platform=platform)
        .exclude(status=ConnectionStatus.REVOKED)
        .first()
    )


def platform_state_list(*, user: Any) -> list[PlatformState]:
    """Every platform in display order, each with the user's connection state."""
    rows = {c.platform: c for c in PlatformConnection.objects.filter(user=user)}
    states = []
    for provider in provider_classes():
        platform = str(provider.platform)
        conn = rows.get(platform)
        live = conn is not None and conn.status != ConnectionStatus.REVOKED
        states.append(
            PlatformState(
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
            )
        )
    return states


def platform_state_get(*, user: Any, platform: str) -> PlatformState:
    return next(s for s in platform_state_list(user=user) if s.platform == platform)


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
