"""Writes and business rules for platform connections.

Every change to a connection's row goes through here: storing verified tokens (the connect
flows in ``platforms.connect`` end here), testing, refreshing OAuth tokens (serialised per
connection), marking expired, revoking, rotating the encryption key. Network calls (verify,
refresh) always happen with no database transaction open; only the final write is atomic.
Disconnecting, which also cancels publications, is ``publishing.services.connection_disconnect``:
this package never reaches into publishing.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clipmaker.logging import log_event
from clipmaker.notifications.connection_events import (
    connection_attention_notify,
    connection_expired_notify,
)
from clipmaker.shared_state import file_lock, redis_client, redis_key
from platforms import crypto
from platforms.destinations import destination_store_own
from platforms.models import TOKEN_FIELDS, ConnectionStatus, PlatformConnection
from platforms.providers import (
    AccountInfo,
    AuthExpired,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
    get_provider,
    platform_label,
    platform_noun,
    provider_class,
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
    add_own_destination: bool = True,
) -> PlatformConnection:
    """Create the user's connection to an account of a platform with freshly verified tokens,
    or replace the tokens of the connection to that same account (a reconnect).

    ``extra`` is everything the platform told about the account; the keys that name a place
    (``destination_keys``) go to the account's own destination, which is added (or revived)
    unless ``add_own_destination`` is off or the plan has no slot left for it.
    """
    extra = dict(extra or {})
    cls = provider_class(platform)
    with transaction.atomic():
        conn = (
            PlatformConnection.objects.select_for_update()
            .filter(user=user, platform=platform, account_id=account_id)
            .first()
        ) or PlatformConnection(user=user, platform=platform, account_id=account_id)
        conn.status = ConnectionStatus.ACTIVE
        conn.set_token("access_token", access_token)
        conn.set_token("refresh_token", refresh_token)
        conn.expires_at = expires_at
        conn.account_name = account_name
        conn.extra = cls.connection_extra(extra)
        conn.last_error = ""
        conn.last_checked_at = timezone.now()
        conn.last_check_ok = True
        conn.connected_at = timezone.now()
        conn.save()
    if add_own_destination:
        account = AccountInfo(account_id=account_id, account_name=account_name, extra=extra)
        destination_store_own(connection=conn, account=account)
    log_event("platform_connected", connection_id=str(conn.id), platform=platform, user_id=user.pk)
    return conn


# --- refresh ---------------------------------------------------------------------------------


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
        lock = redis_client().lock(
            redis_key(f"lock:{name}"),
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
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(file_lock(name, timeout=REFRESH_LOCK_WAIT_SECONDS))
        except TimeoutError:
            raise _lock_timeout() from None
        yield


def _lock_timeout() -> TransientError:
    return TransientError(
        "Обновление доступа к платформе уже идёт. Публикация повторится автоматически.",
        platform="",
    )


def connection_mark_expired(*, connection: PlatformConnection, reason: str) -> PlatformConnection:
    """Mark a connection ``expired`` (the user must reconnect); ``reason`` is shown to support.

    The user is notified once, when an active connection becomes expired (the conditional
    UPDATE tells that edge apart from marking an already expired one again)."""
    now = timezone.now()
    changes = {
        "status": ConnectionStatus.EXPIRED,
        "last_error": reason[:1000],
        "last_checked_at": now,
        "last_check_ok": False,
        "updated_at": now,
    }
    rows = PlatformConnection.objects.filter(pk=connection.pk)
    if rows.filter(status=ConnectionStatus.ACTIVE).update(**changes):
        connection_expired_notify(connection_id=connection.pk)
    else:
        rows.update(**changes)
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
    noun = platform_noun(connection.platform)
    return (
        f"Доступ к {noun.dative} истёк или был отозван. "
        f"Переподключите {noun.accusative} в разделе «Платформы»."
    )


# --- testing, revoking ------------------------------------------------------------------


def connection_test(*, connection: PlatformConnection) -> tuple[bool, str]:
    """Check a connection with the platform now; records last_checked_at / ok / error.

    An OAuth token the platform no longer accepts is refreshed once and checked again. A token
    that stays refused marks the connection ``expired``.
    """
    label = platform_label(connection.platform)
    noun = platform_noun(connection.platform)
    if connection.status == ConnectionStatus.REVOKED or not connection.access_token_sealed:
        return (
            False,
            f"{noun} не {noun.agree('подключён', 'подключена', 'подключено')}. Нажмите «Подключить».",
        )
    provider = get_provider(connection.platform)
    try:
        try:
            info = provider.verify(credentials=connection.credentials())
        except AuthExpired:
            if not provider.uses_oauth or not connection.is_active:
                raise
            connection = connection_refresh(connection=connection)
            info = provider.verify(credentials=connection.credentials())
    except (AuthExpired, ConnectionRefreshFailed) as exc:
        detail = (
            exc.user_message
            if isinstance(exc, ConnectionRefreshFailed)
            else provider.auth_expired_message()
        )
        connection_mark_expired(connection=connection, reason=detail)
        return False, detail
    except (TransientError, RateLimited):
        detail = (
            f"{noun} сейчас {noun.agree('недоступен', 'недоступна', 'недоступно')}, "
            "проверка не выполнена. Повторите через минуту."
        )
        _record_check(connection, ok=False, detail=detail)
        return False, detail
    except ProviderError as exc:
        # A working connection that starts failing for a reason a retry will not fix.
        started_failing = connection.last_check_ok is not False and connection.is_active
        _record_check(connection, ok=False, detail=exc.user_message)
        if started_failing:
            connection_attention_notify(connection_id=connection.pk, detail=exc.user_message)
        return False, exc.user_message
    updates: dict[str, Any] = {}
    if info.account_name:
        updates["account_name"] = info.account_name
    if connection.status == ConnectionStatus.EXPIRED:
        # The platform accepts the token again (e.g. a Telegram bot re-added): usable again.
        updates["status"] = ConnectionStatus.ACTIVE
    detail = f"Подключение работает: {info.account_name or connection.account_name or label}."
    _record_check(connection, ok=True, detail="", **updates)
    return True, detail


def _record_check(connection: PlatformConnection, *, ok: bool, detail: str, **updates: Any) -> None:
    now = timezone.now()
    PlatformConnection.objects.filter(pk=connection.pk).update(
        last_checked_at=now, last_check_ok=ok, last_error=detail[:1000], updated_at=now, **updates
    )
    connection.refresh_from_db()


def connection_revoke(*, connection: PlatformConnection) -> PlatformConnection:
    """Wipe a connection's tokens and mark it ``revoked`` (inside the caller's transaction).

    ``publishing.services.connection_disconnect`` calls this together with cancelling the
    publications that were waiting for the connection.
    """
    connection.clear_tokens()
    connection.status = ConnectionStatus.REVOKED
    connection.expires_at = None
    connection.last_error = ""
    connection.save()
    return connection


# --- proactive refresh ---------------------------------------------------------------------

# Proactive refresh window of the beat task.
REFRESH_AHEAD_SECONDS = 10 * 60


@dataclass(frozen=True)
class RefreshSweep:
    refreshed: int
    expired: int
    failed_transient: int


def connection_refresh_expiring(*, within_seconds: int = REFRESH_AHEAD_SECONDS) -> RefreshSweep:
    """Refresh every active OAuth connection whose access token expires within the window."""
    from platforms.selectors import connection_list_expiring

    refreshed = expired = transient = 0
    for connection in connection_list_expiring(within_seconds=within_seconds):
        try:
            connection_refresh(connection=connection)
            refreshed += 1
        except ConnectionRefreshFailed:
            expired += 1
        except (TransientError, RateLimited) as exc:
            transient += 1
            log_event(
                "token_refresh_failed",
                connection_id=str(connection.pk),
                platform=connection.platform,
                user_id=connection.user_id,
                error=type(exc).__name__,
                transient=True,
            )
    return RefreshSweep(refreshed=refreshed, expired=expired, failed_transient=transient)
