"""Writes and business rules for platform connections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from clipmaker.logging import log_event
from platforms import crypto
from platforms.models import TOKEN_FIELDS, ConnectionStatus, PlatformConnection


@dataclass(frozen=True)
class RotationResult:
    connections: int
    rotated: int
    already_current: int


def connection_tokens_rotate(*, batch_size: int = 500) -> RotationResult:
    """Re-encrypt every sealed token under the newest key; tokens stay readable throughout."""
    connections = rotated = current = 0
    ids = list(PlatformConnection.objects.values_list("id", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            rows = PlatformConnection.objects.select_for_update().filter(
                id__in=ids[start : start + batch_size]
            )
            for conn in rows:
                connections += 1
                changed = []
                for field in TOKEN_FIELDS:
                    sealed = getattr(conn, f"{field}_sealed")
                    if not sealed:
                        continue
                    if crypto.needs_rotation(sealed):
                        conn.set_token(field, conn.get_token(field))
                        changed.append(f"{field}_sealed")
                        rotated += 1
                    else:
                        current += 1
                if changed:
                    conn.save(update_fields=[*changed, "updated_at"])
    return RotationResult(connections=connections, rotated=rotated, already_current=current)


def connection_store(
    *,
    user: Any,
    platform: str,
    access_token: str,
    refresh_token: str | None = None,
    expires_at: datetime | None = None,
    account_id: str = "",
    account_name: str = "",
    extra: dict[str, Any] | None = None,
) -> PlatformConnection:
    """Create or replace the user's connection to a platform with freshly verified tokens."""
    with transaction.atomic():
        conn = (
            PlatformConnection.objects.select_for_update()
            .filter(user=user, platform=platform)
            .first()
        ) or PlatformConnection(user=user, platform=platform)
        conn.status = ConnectionStatus.ACTIVE
        conn.set_token("access_token", access_token)
        conn.set_token("refresh_token", refresh_token)
        conn.expires_at = expires_at
        conn.account_id = account_id
        conn.account_name = account_name
        conn.extra = extra or {}
        conn.last_error = ""
        conn.last_checked_at = timezone.now()
        conn.last_check_ok = True
        conn.connected_at = timezone.now()
        conn.save()
    log_event("platform_connected", connection_id=str(conn.id), platform=platform, user_id=user.pk)
    return conn
