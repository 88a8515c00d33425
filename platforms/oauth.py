"""OAuth state and PKCE for connecting VK (VK ID) and Дзен (Yandex OAuth).

A flow starts with ``oauth_state_issue``: a random ``state`` bound to the user and the platform,
and a PKCE verifier, kept in the Django cache (Redis in production) for five minutes under a
hash of the state. The callback calls ``oauth_state_consume``, which deletes the entry before
checking it, so each state works once; a forged, replayed, expired or another user's state is
refused before any code is exchanged. Neither the state nor the verifier is ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

STATE_TTL_SECONDS = 5 * 60
_VERIFIER_BYTES = 64  # 86 URL-safe characters, inside PKCE's 43..128 of [A-Za-z0-9_-]
_STATE_BYTES = 32


class OAuthStateInvalid(Exception):
    """The callback's state is unknown, used already, expired, or belongs to someone else."""


@dataclass(frozen=True)
class OAuthStart:
    state: str
    code_verifier: str
    code_challenge: str
    redirect_uri: str


def pkce_verifier() -> str:
    return secrets.token_urlsafe(_VERIFIER_BYTES)


def pkce_challenge(verifier: str) -> str:
    """S256: base64url(SHA-256(verifier)) without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def oauth_redirect_uri(*, platform: str) -> str:
    """The exact callback URL registered with the platform, on the public base URL."""
    base: str = settings.PUBLIC_BASE_URL
    return base + reverse(f"oauth-{platform}-callback")


def _cache_key(state: str) -> str:
    return "oauth-state:" + hashlib.sha256(state.encode()).hexdigest()


def oauth_state_issue(*, user_id: int, platform: str) -> OAuthStart:
    state = secrets.token_urlsafe(_STATE_BYTES)
    verifier = pkce_verifier()
    cache.set(
        _cache_key(state),
        {
            "user_id": user_id,
            "platform": platform,
            "verifier": verifier,
            "issued_at": timezone.now().timestamp(),
        },
        timeout=STATE_TTL_SECONDS,
    )
    return OAuthStart(
        state=state,
        code_verifier=verifier,
        code_challenge=pkce_challenge(verifier),
        redirect_uri=oauth_redirect_uri(platform=platform),
    )


def oauth_state_consume(*, state: str, user_id: int, platform: str) -> str:
    """Use up a state and return its PKCE verifier, or raise ``OAuthStateInvalid``.

    The entry is deleted first, whoever presents it: a state that reached the wrong hands is
    burnt. Only the caller whose delete removed it may continue, so two callbacks racing with
    the same state cannot both exchange a code.
    """
    if not state or len(state) > 256:
        raise OAuthStateInvalid("missing")
    key = _cache_key(state)
    data = cache.get(key)
    if data is None or not cache.delete(key):
        raise OAuthStateInvalid("unknown or used")
    if timezone.now().timestamp() - float(data["issued_at"]) > STATE_TTL_SECONDS:
        raise OAuthStateInvalid("expired")
    if data["user_id"] != user_id or data["platform"] != platform:
        raise OAuthStateInvalid("another user or platform")
    return str(data["verifier"])
