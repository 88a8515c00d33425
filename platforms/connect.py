"""Connecting a platform: OAuth (start and callback) or a pasted token, verified before saving.

Every connect refusal is a ``ConnectionRejected`` with a Russian message saying what to do next
and the input at fault. What a platform's connect form asks for and how its inputs are checked
belongs to its adapter (``connect_fields``, ``connect_input``, ``connect_refusal``); this module
only runs the flow. Network calls (code exchange, verify) happen with no transaction open; the
final write is ``connection_store``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platforms.models import PlatformConnection
from platforms.oauth import (
    OAuthStateInvalid,
    oauth_redirect_uri,
    oauth_state_consume,
    oauth_state_issue,
)
from platforms.providers import (
    AuthExpired,
    ConnectInputInvalid,
    Credentials,
    ProviderError,
    RateLimited,
    TransientError,
    get_provider,
    is_platform,
    platform_label,
    platform_values,
    provider_class,
)
from platforms.providers.base import expires_at_from
from platforms.services import connection_store


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


def _known(platform: str) -> str:
    if not is_platform(platform):
        raise ConnectionRejected(f"Неизвестная платформа «{platform}».", code="unknown")
    return platform


def connection_plan_check(*, user: Any, platform: str) -> None:
    """Raise ``ConnectionRejected`` unless the user's plan allows connecting ``platform``."""
    if user.plan_allows(platform):
        return
    if not any(user.plan_allows(p) for p in platform_values()):
        message = (
            "На тарифе Free публикация в соцсети недоступна. Перейдите на тариф Start, "
            "чтобы подключить VK, или на Pro, чтобы подключить все платформы."
        )
    else:
        message = (
            f"Ваш тариф не включает {platform_label(platform)}. Перейдите на тариф Pro, "
            "чтобы подключить все платформы."
        )
    raise ConnectionRejected(message, field="platform", code="plan")


# --- OAuth ------------------------------------------------------------------------------------


def connection_oauth_start(*, user: Any, platform: str) -> str:
    """Begin an OAuth connection: remember state + PKCE verifier, return the authorize URL."""
    label = platform_label(_known(platform))
    if not provider_class(platform).uses_oauth:
        raise ConnectionRejected(
            f"{label} подключается токеном, а не через вход на сайте платформы.",
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
    label = platform_label(_known(platform))
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
    provider = get_provider(platform)
    try:
        tokens = provider.exchange_code(
            code=code,
            code_verifier=verifier,
            redirect_uri=oauth_redirect_uri(platform=platform),
            **provider.callback_extra(params, state=state),
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


# --- Pasted tokens ----------------------------------------------------------------------------


def connection_uses_token(*, platform: str, values: Mapping[str, Any]) -> bool:
    """Whether a connect request goes the pasted-token way: always for token platforms; for an
    OAuth platform that also takes a pasted token (VK), when one of its inputs was given."""
    cls = provider_class(_known(platform))
    if not cls.uses_oauth:
        return True
    return any(str(values.get(spec.name) or "").strip() for spec in cls.connect_fields)


def connection_connect_token(
    *, user: Any, platform: str, values: Mapping[str, str]
) -> PlatformConnection:
    """Connect a platform with a pasted token from its connect form's ``values`` after
    verifying them (token platforms, and OAuth platforms that also take a token the user made
    themselves, as VK does).

    The adapter checks the inputs' shape first (nothing is sent for a malformed token), then the
    platform is asked (``verify``); only a token the platform accepts is stored. When the input
    tells how long the token lives (``expires_in`` in the adapter's extra), the connection keeps
    the expiry so the user is warned before it.
    """
    label = platform_label(_known(platform))
    cls = provider_class(platform)
    if not cls.connect_fields:
        raise ConnectionRejected(
            f"{label} подключается через вход на сайте платформы: нажмите «Подключить».",
            code="not_token",
        )
    connection_plan_check(user=user, platform=platform)
    try:
        token, extra = cls.connect_input(values)
    except ConnectInputInvalid as exc:
        raise ConnectionRejected(exc.message, field=exc.field, code=exc.code) from None
    expires_at = expires_at_from(extra.pop("expires_in", None))
    provider = get_provider(platform)
    try:
        info = provider.verify(
            credentials=Credentials(access_token=token, expires_at=expires_at, extra=extra)
        )
    except AuthExpired:
        raise ConnectionRejected(
            provider.invalid_token_message(), field="token", code="invalid_token"
        ) from None
    except (TransientError, RateLimited):
        raise ConnectionRejected(
            f"{label} сейчас недоступен, токен не проверен. Подождите минуту и попробуйте ещё раз.",
            code="unavailable",
        ) from None
    except ProviderError as exc:
        field, message, code = provider.connect_refusal(exc)
        raise ConnectionRejected(message, field=field, code=code) from None
    return connection_store(
        user=user,
        platform=platform,
        access_token=token,
        expires_at=expires_at,
        account_id=info.account_id,
        account_name=info.account_name or label,
        extra={**extra, **info.extra},
    )
