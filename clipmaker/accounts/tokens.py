"""The product's own API tokens: hashed at rest, expiring, listed and revocable (django-rest-knox).

Only a SHA-512 digest of each token is stored (plus knox's 15-character lookup prefix), so the
database never holds a usable token. A token is shown once, when it is created. Every token of
a user is revoked when the password changes (``User.save``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions

if TYPE_CHECKING:  # the model calls this module when a password changes
    from clipmaker.accounts.models import User

from clipmaker.logging import log_event

REFUSED_MESSAGE = (
    "Токен недействителен, отозван или истёк. Получите новый: POST /api/v1/auth/token/ или "
    "«Настройки → Безопасность»."
)


def api_token_create(*, user: User) -> tuple[AuthToken, str]:
    """A new token for ``user``: (its row, the token itself — shown to the user once).

    Expired tokens are dropped; past ``TOKEN_LIMIT_PER_USER`` live tokens the oldest goes, so a
    script that logs in on every run cannot pile up tokens."""
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    limit = settings.REST_KNOX["TOKEN_LIMIT_PER_USER"]
    live = list(api_token_list(user=user).values_list("digest", flat=True))
    if len(live) >= limit:
        AuthToken.objects.filter(digest__in=live[limit - 1 :]).delete()
    instance, token = AuthToken.objects.create(
        user=user, expiry=timedelta(days=settings.API_TOKEN_TTL_DAYS)
    )
    log_event("api_token_created", user_id=user.pk, token_id=instance.token_key[:6])
    return instance, token


def api_token_list(*, user: User) -> QuerySet[AuthToken]:
    """The user's tokens that still work, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def api_token_revoke(*, user: User, token_id: str) -> bool:
    """Revoke one of the user's tokens by its short id (the first characters of its lookup
    prefix, as listed); False when there is no such token of this user."""
    if len(token_id) < 6:
        return False
    deleted, _ = AuthToken.objects.filter(user=user, token_key__startswith=token_id).delete()
    if deleted:
        log_event("api_token_revoked", user_id=user.pk, token_id=token_id[:6])
    return bool(deleted)


def api_token_revoke_all(*, user: User, reason: str) -> int:
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    if deleted:
        log_event("api_tokens_revoked", user_id=user.pk, count=deleted, reason=reason)
    return deleted


def token_short_id(token: AuthToken) -> str:
    """What lists show of a token: six characters, useless to an attacker."""
    return token.token_key[:6]


class ApiTokenAuthentication(TokenAuthentication):
    """knox's ``Authorization: Token <key>``, with the contract's Russian message on failure."""

    def authenticate(self, request: Any) -> Any:
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            raise exceptions.AuthenticationFailed(REFUSED_MESSAGE) from None


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema names this authentication (``Authorization: Token <key>``)."""

    target_class = "clipmaker.accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <ключ>: ключ из POST /api/v1/auth/token/",
        }
