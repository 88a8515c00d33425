"""Writes and business rules for platform connections.

Every change to a connection goes through here: connecting (OAuth or a pasted token), testing,
refreshing OAuth tokens (serialised per connection), marking expired and disconnecting. Network
calls (code exchange, verify, refresh) always happen with no database transaction open; only the
final write is atomic.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clipmaker.logging import log_event
from clipmaker.shared_state import file_lock, redis_client, redis_key
from platforms import crypto
from platforms.constants import OAUTH_PLATFORMS, TOKEN_PLATFORMS, Platform, agree
from platforms.models import TOKEN_FIELDS, ConnectionStatus, PlatformConnection
from platforms.oauth import (
    OAuthStateInvalid,
    oauth_redirect_uri,
    oauth_state_consume,
    oauth_state_issue,
)
from platforms.providers.errors import (
    AuthExpired,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
)

# How long a refresh may hold its per-connection lock, and how long another caller waits for it.
REFRESH_LOCK_TTL_SECONDS = 60
REFRESH_LOCK_WAIT_SECONDS = 30.0


class ConnectionRejected(Exception):
    """A connect attempt refused with a Russian message saying what to do next.

    ``field`` names the input at fault (``token``, ``chat_id``) or ``platform`` for refusals
    that are not about an input (plan, OAuth denied, stale link).
    """

    def __init__(self, message: str, *, field: str = "platform", code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


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


# --- connecting ------------------------------------------------------------------------------

# Proactive refresh window of the beat task.
REFRESH_AHEAD_SECONDS = 10 * 60


def _label(platform: str) -> str:
    return Platform(platform).label


def connection_plan_check(*, user: Any, platform: str) -> None:
    """Raise ``ConnectionRejected`` unless the user's plan allows connecting ``platform``."""
    if user.plan_allows(platform):
        return
    if not any(user.plan_allows(p) for p in Platform.values):
        message = (
            "На тарифе Free публикация в соцсети недоступна. Перейдите на тариф Start, "
            "чтобы подключить VK, или на Pro, чтобы подключить все платформы."
        )
    else:
        message = (
            f"Ваш тариф не включает {_label(platform)}. Перейдите на тариф Pro, "
            "чтобы подключить все платформы."
        )
    raise ConnectionRejected(message, field="platform", code="plan")


def connection_oauth_start(*, user: Any, platform: str) -> str:
    """Begin an OAuth connection: remember state + PKCE verifier, return the authorize URL."""
    from platforms.providers import get_provider

    if platform not in OAUTH_PLATFORMS:
        raise ConnectionRejected(
            f"{_label(platform)} подключается токеном, а не через вход на сайте платформы.",
            code="not_oauth",
        )
    connection_plan_check(user=user, platform=platform)
    start = oauth_state_issue(user_id=user.pk, platform=platform)
    return get_provider(platform).authorization_url(
        state=start.state, code_challenge=start.code_challenge, redirect_uri=start.redirect_uri
    )


def connection_oauth_complete(
    *, user: Any, platform: str, params: Mapping[str, str]
) -> PlatformConnection:
    """Finish an OAuth connection from the callback's query parameters.

    The state is checked (and used up) before anything else; only then is the code exchanged,
    with no transaction open. A refusal at any step stores nothing.
    """
    from platforms.providers import get_provider

    label = _label(platform)
    state = str(params.get("state") or "")
    error = str(params.get("error") or "")
    try:
        verifier = oauth_state_consume(state=state, user_id=user.pk, platform=platform)
    except OAuthStateInvalid:
        if error == "access_denied":
            raise _denied(label) from None
        raise ConnectionRejected(
            f"Ссылка для подключения {label} устарела или уже использована. "
            f"Нажмите «Подключить» у {label} ещё раз.",
            code="state",
        ) from None
    if error:
        if error == "access_denied":
            raise _denied(label)
        raise ConnectionRejected(
            f"{label} не разрешил подключение. Нажмите «Подключить» у {label} ещё раз.",
            code="oauth_error",
        )
    code = str(params.get("code") or "")
    if not code:
        raise ConnectionRejected(
            f"{label} не передал код подтверждения. Нажмите «Подключить» у {label} ещё раз.",
            code="no_code",
        )
    connection_plan_check(user=user, platform=platform)
    extra: dict[str, str] = {}
    if platform == Platform.VK:
        extra = {"device_id": str(params.get("device_id") or ""), "state": state}
    provider = get_provider(platform)
    try:
        tokens = provider.exchange_code(
            code=code,
            code_verifier=verifier,
            redirect_uri=oauth_redirect_uri(platform=platform),
            **extra,
        )
    except (TransientError, RateLimited):
        raise ConnectionRejected(
            f"{label} сейчас недоступен. Подождите минуту и нажмите «Подключить» ещё раз.",
            code="unavailable",
        ) from None
    except ProviderError as exc:
        raise ConnectionRejected(exc.user_message, code="exchange") from None
    account_name = tokens.account_name
    account_id = tokens.account_id
    extra_kept = dict(tokens.extra)
    if not account_name:
        # The adapter reads the account after the exchange; ask once more if that failed.
        from platforms.providers.base import Credentials

        try:
            info = provider.verify(
                credentials=Credentials(access_token=tokens.access_token, extra=tokens.extra)
            )
        except ProviderError:
            info = None
        if info is not None:
            account_name, account_id = info.account_name, account_id or info.account_id
            extra_kept = {**info.extra, **extra_kept}
    return connection_store(
        user=user,
        platform=platform,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        account_id=account_id,
        account_name=account_name or label,
        extra=extra_kept,
    )


def _denied(label: str) -> ConnectionRejected:
    return ConnectionRejected(
        f"Вы не разрешили доступ к {label}, подключение не создано. Чтобы публиковать в {label}, "
        f"нажмите «Подключить» ещё раз и выберите «Разрешить».",
        code="access_denied",
    )


_TELEGRAM_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
_TELEGRAM_CHAT_RE = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?\d{1,20})$")
_TELEGRAM_CHAT_FIELDS = {"no_chat", "not_a_channel", "cannot_post", "not_admin"}


def telegram_chat_normalise(value: str) -> str:
    """``@name``, ``name``, ``https://t.me/name`` or a numeric id → ``@name`` / the id."""
    chat = value.strip()
    for prefix in ("https://t.me/", "http://t.me/", "t.me/"):
        if chat.lower().startswith(prefix):
            chat = "@" + chat[len(prefix) :].strip("/")
    if chat and not chat.startswith("@") and not chat.lstrip("-").isdigit():
        chat = "@" + chat
    return chat


def connection_connect_token(
    *, user: Any, platform: str, token: str, chat_id: str | None = None
) -> PlatformConnection:
    """Connect Rutube (API token) or Telegram (bot token + channel) after verifying them."""
    from platforms.providers import get_provider
    from platforms.providers.base import Credentials

    label = _label(platform)
    if platform not in TOKEN_PLATFORMS:
        raise ConnectionRejected(
            f"{label} подключается через вход на сайте платформы: нажмите «Подключить».",
            code="not_token",
        )
    connection_plan_check(user=user, platform=platform)
    token = (token or "").strip()
    if not token:
        raise ConnectionRejected("Вставьте токен.", field="token", code="required")
    extra: dict[str, Any] = {}
    if platform == Platform.TELEGRAM:
        if not _TELEGRAM_TOKEN_RE.match(token):
            raise ConnectionRejected(
                "Это не похоже на токен бота Telegram (вида 123456789:AA...). "
                "Скопируйте токен из сообщения @BotFather целиком.",
                field="token",
                code="invalid_token",
            )
        chat = telegram_chat_normalise(chat_id or "")
        if not _TELEGRAM_CHAT_RE.match(chat):
            raise ConnectionRejected(
                "Укажите канал: @имя_канала или его числовой id (например, -1001234567890).",
                field="chat_id",
                code="chat_format",
            )
        extra["chat_id"] = chat
    elif any(ch.isspace() for ch in token) or len(token) > 512:
        raise ConnectionRejected(
            "Токен Rutube вставлен с лишними символами. Скопируйте его заново целиком.",
            field="token",
            code="invalid_token",
        )
    provider = get_provider(platform)
    try:
        info = provider.verify(credentials=Credentials(access_token=token, extra=extra))
    except AuthExpired:
        raise ConnectionRejected(
            _invalid_token_message(platform), field="token", code="invalid_token"
        ) from None
    except (TransientError, RateLimited):
        raise ConnectionRejected(
            f"{label} сейчас недоступен, токен не проверен. Подождите минуту и попробуйте ещё раз.",
            code="unavailable",
        ) from None
    except ProviderError as exc:
        if platform == Platform.TELEGRAM:
            code = str(exc.code or "")
            field = (
                "chat_id" if code in _TELEGRAM_CHAT_FIELDS or exc.status in (400, 403) else "token"
            )
            raise ConnectionRejected(
                exc.user_message, field=field, code=code or "refused"
            ) from None
        if exc.status == 403:
            raise ConnectionRejected(
                "У токена Rutube нет прав на загрузку видео. Создайте токен заново в "
                "настройках Rutube Studio и вставьте его.",
                field="token",
                code="forbidden",
            ) from None
        raise ConnectionRejected(exc.user_message, field="token", code="refused") from None
    return connection_store(
        user=user,
        platform=platform,
        access_token=token,
        account_id=info.account_id,
        account_name=info.account_name or label,
        extra={**extra, **info.extra},
    )


def _invalid_token_message(platform: str) -> str:
    if platform == Platform.TELEGRAM:
        return (
            "Telegram не принял токен бота: он неверный или отозван. Скопируйте токен из "
            "@BotFather (команда /token) и вставьте его снова."
        )
    return (
        "Rutube не принял токен: он неверный или отозван. Получите новый токен в "
        "Rutube Studio и вставьте его снова."
    )


# --- testing, disconnecting ------------------------------------------------------------------


def connection_test(*, connection: PlatformConnection) -> tuple[bool, str]:
    """Check a connection with the platform now; records last_checked_at / ok / error.

    An OAuth token the platform no longer accepts is refreshed once and checked again. A token
    that stays refused marks the connection ``expired``.
    """
    from platforms.providers import get_provider

    label = _label(connection.platform)
    if connection.status == ConnectionStatus.REVOKED or not connection.access_token_sealed:
        not_connected = agree(connection.platform, "не подключён", "не подключены")
        return False, f"{label} {not_connected}. Нажмите «Подключить»."
    provider = get_provider(connection.platform)
    try:
        try:
            info = provider.verify(credentials=connection.credentials())
        except AuthExpired:
            if connection.platform not in OAUTH_PLATFORMS or not connection.is_active:
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
        detail = f"{label} сейчас недоступен, проверка не выполнена. Повторите через минуту."
        _record_check(connection, ok=False, detail=detail)
        return False, detail
    except ProviderError as exc:
        _record_check(connection, ok=False, detail=exc.user_message)
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


def connection_disconnect(*, user: Any, platform: str) -> int:
    """Disconnect: wipe the tokens, mark ``revoked`` and cancel the user's pending publications.

    Returns how many scheduled/queued publications were cancelled. Raises
    ``PlatformConnection.DoesNotExist`` when the user has no live connection to the platform.
    """
    from publishing.services import publication_cancel_for_disconnect

    with transaction.atomic():
        connection = (
            PlatformConnection.objects.select_for_update()
            .exclude(status=ConnectionStatus.REVOKED)
            .get(user=user, platform=platform)
        )
        connection.clear_tokens()
        connection.status = ConnectionStatus.REVOKED
        connection.expires_at = None
        connection.last_error = ""
        connection.save()
        cancelled = publication_cancel_for_disconnect(user=user, platform=platform)
    log_event(
        "platform_disconnected",
        connection_id=str(connection.pk),
        platform=platform,
        user_id=user.pk,
        cancelled_publications=cancelled,
    )
    return cancelled


# --- proactive refresh -----------------------------------------------------------------------


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
