"""Writes and business rules for platform connections.

Every change to a connection goes through here: connecting (OAuth or a pasted token), testing,
refreshing OAuth tokens (serialised per connection), marking expired and disconnecting. Network
calls (code exchange, verify, refresh) always happen with no database transaction open; only the
final write is atomic.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clipmaker.logging import log_event
from platforms import crypto
from platforms.models import TOKEN_FIELDS, ConnectionStatus, PlatformConnection
from platforms.providers.errors import (
    AuthExpired,
    PermanentError,
    TransientError,
)

# How long a refresh may hold its per-connection lock, and how long another caller waits for it.
REFRESH_LOCK_TTL_SECONDS = 60
REFRESH_LOCK_WAIT_SECONDS = 30.0


class ConnectionRefreshFailed(PermanentError):
    """The platform refused to refresh the tokens: the connection is now ``expired``."""

    default_user_message = "Токен истёк, переподключите платформу в разделе «Платформы»."


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


# --- refresh ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


@contextlib.contextmanager
def _refresh_lock(connection_id: uuid.UUID | str) -> Iterator[None]:
    """A cross-process mutex per connection, held around a token refresh.

    With Redis: a redis-py lock (SET NX with an owner token and a TTL, released only by its
    owner). Without (embedded mode, one machine): an ``flock`` on a file under VAR_DIR, which the
    kernel releases if the holder dies. A row lock cannot do this job: it does not survive an
    HTTP call made outside a transaction, and on SQLite it does nothing at all.
    """
    name = f"platform-refresh-{connection_id}"
    if settings.REDIS_URL:
        lock = _redis_client(settings.REDIS_URL).lock(
            f"clipmaker:lock:{name}",
            timeout=REFRESH_LOCK_TTL_SECONDS,
            blocking_timeout=REFRESH_LOCK_WAIT_SECONDS,
        )
        if not lock.acquire():
            raise _lock_timeout()
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # expired meanwhile: nothing left to release
                lock.release()
        return
    lock_dir = Path(settings.VAR_DIR) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_dir / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + REFRESH_LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise _lock_timeout() from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _lock_timeout() -> TransientError:
    return TransientError(
        "Обновление доступа к платформе уже идёт. Публикация повторится автоматически.",
        platform="",
    )


def connection_mark_expired(*, connection: PlatformConnection, reason: str) -> PlatformConnection:
    """Mark a connection ``expired`` (the user must reconnect); ``reason`` is shown to support."""
    now = timezone.now()
    PlatformConnection.objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.EXPIRED,
        last_error=reason[:1000],
        last_checked_at=now,
        last_check_ok=False,
        updated_at=now,
    )
    connection.refresh_from_db()
    return connection


def connection_refresh(
    *, connection: PlatformConnection, force: bool = False
) -> PlatformConnection:
    """Refresh an OAuth connection's tokens, once per connection at a time.

    Serialised by a per-connection lock. After acquiring it the row is read again: when another
    worker has already replaced the access token the caller was holding, that fresh token is
    used and the platform is not asked again (``force=True`` asks anyway). The platform's new
    refresh token replaces the old one. A refusal (``OAuthError``, ``AuthExpired`` or another
    permanent error) marks the connection ``expired`` and raises ``ConnectionRefreshFailed``;
    transient errors and rate limits propagate unchanged, leaving the connection as it was.
    """
    from platforms.providers import get_provider

    held_token = connection.access_token_sealed
    with _refresh_lock(connection.pk):
        current = PlatformConnection.objects.get(pk=connection.pk)
        if current.status != ConnectionStatus.ACTIVE:
            raise ConnectionRefreshFailed(
                _refresh_refused_message(current), platform=current.platform
            )
        if not force and current.access_token_sealed != held_token:
            return current
        provider = get_provider(current.platform)
        started = time.monotonic()
        try:
            fresh = provider.refresh(tokens=current.credentials())
        except (AuthExpired, PermanentError) as exc:
            connection_mark_expired(connection=current, reason=exc.user_message)
            log_event(
                "token_refresh_failed",
                connection_id=str(current.pk),
                platform=current.platform,
                user_id=current.user_id,
                error=type(exc).__name__,
                code=str(exc.code or ""),
            )
            raise ConnectionRefreshFailed(
                _refresh_refused_message(current),
                platform=current.platform,
                status=exc.status,
                code=exc.code,
                platform_message=exc.platform_message,
            ) from exc
        with transaction.atomic():
            current.set_token("access_token", fresh.access_token)
            current.set_token(
                "refresh_token", fresh.refresh_token or current.get_token("refresh_token")
            )
            current.expires_at = fresh.expires_at
            current.extra = {**current.extra, **fresh.extra}
            current.last_error = ""
            current.save(
                update_fields=[
                    "access_token_sealed",
                    "refresh_token_sealed",
                    "expires_at",
                    "extra",
                    "last_error",
                    "updated_at",
                ]
            )
    log_event(
        "token_refresh_success",
        connection_id=str(current.pk),
        platform=current.platform,
        user_id=current.user_id,
        duration_ms=round((time.monotonic() - started) * 1000),
        expires_at=current.expires_at.isoformat() if current.expires_at else None,
    )
    return current


def _refresh_refused_message(connection: PlatformConnection) -> str:
    label = connection.get_platform_display()
    return f"Доступ к {label} истёк или был отозван. Переподключите {label} в разделе «Платформы»."
