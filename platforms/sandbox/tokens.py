"""Stateless signed tokens the sandbox issues and accepts.

Any process can verify them without shared memory: each carries its platform, kind, account and
expiry, signed with HMAC-SHA256 under a key derived from ``SECRET_KEY``.

- OAuth access / refresh tokens, codes and Rutube tokens: ``sbx-<platform>-<payload>.<sig>``
  (payload is base64url JSON).
- Telegram bot tokens: ``<bot_id>:AA<33 signature chars>``, the shape of a real bot token.

Single use of codes and refresh tokens is enforced by the state file (``grants`` table), not here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from platforms.sandbox.state import get_store

ACCESS = "access"
REFRESH = "refresh"
CODE = "code"
ID = "id"

_TOKEN_RE = re.compile(
    r"^sbx-(?P<platform>[a-z]+)-(?P<payload>[A-Za-z0-9_-]+)\.(?P<sig>[A-Za-z0-9_-]+)$"
)
_BOT_TOKEN_RE = re.compile(r"^(?P<bot_id>\d{5,12}):(?P<secret>[A-Za-z0-9_-]{35})$")


class TokenError(Exception):
    """A token that is malformed, forged, of the wrong kind or platform, or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid" or "expired"; never contains the token


@dataclass(frozen=True)
class TokenClaims:
    platform: str
    kind: str
    account: str
    name: str
    expires_at: float  # 0: never
    client_id: str | None = None
    device_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _key() -> bytes:
    return hashlib.sha256(b"clipmaker-sandbox-token:" + settings.SECRET_KEY.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(message: str) -> str:
    return _b64(hmac.new(_key(), message.encode(), hashlib.sha256).digest())[:32]


def mint_token(
    platform: str,
    account: str | int,
    *,
    kind: str = ACCESS,
    ttl: float | None = None,
    name: str = "",
    client_id: str | None = None,
    device_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Mint a token the sandbox accepts. ``ttl`` None: ``SANDBOX_TOKEN_TTL_SECONDS`` for access
    tokens, never expiring otherwise; ``ttl=0`` means never expires."""
    if ttl is None:
        ttl = float(settings.SANDBOX_TOKEN_TTL_SECONDS) if kind == ACCESS else 0
    expires_at = get_store().now() + ttl if ttl else 0
    claims: dict[str, Any] = {
        "k": kind,
        "a": str(account),
        "n": name,
        "e": round(expires_at, 3),
        "j": secrets.token_hex(6),  # two tokens minted in one second still differ
    }
    if client_id is not None:
        claims["c"] = client_id
    if device_id is not None:
        claims["d"] = device_id
    if extra:
        claims["x"] = extra
    payload = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    head = f"sbx-{platform}-{payload}"
    return f"{head}.{_sign(head)}"


def verify_token(token: str, *, platform: str, kind: str = ACCESS) -> TokenClaims:
    """Claims of a valid token, or TokenError("invalid" | "expired")."""
    match = _TOKEN_RE.match(token or "")
    if match is None or match["platform"] != platform:
        raise TokenError("invalid")
    head = token.rsplit(".", 1)[0]
    if not hmac.compare_digest(_sign(head), match["sig"]):
        raise TokenError("invalid")
    try:
        claims = json.loads(_unb64(match["payload"]))
    except ValueError as exc:
        raise TokenError("invalid") from exc
    if claims.get("k") != kind:
        raise TokenError("invalid")
    expires_at = float(claims.get("e") or 0)
    if expires_at and get_store().now() >= expires_at:
        raise TokenError("expired")
    return TokenClaims(
        platform=platform,
        kind=kind,
        account=claims["a"],
        name=claims.get("n", ""),
        expires_at=expires_at,
        client_id=claims.get("c"),
        device_id=claims.get("d"),
        extra=claims.get("x") or {},
    )


def token_digest(token: str) -> str:
    """What the state file stores of a used code or refresh token (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _bot_secret(bot_id: int) -> str:
    return (
        "AA"
        + _b64(hmac.new(_key(), f"telegram-bot:{bot_id}".encode(), hashlib.sha256).digest())[:33]
    )


def mint_bot_token(bot_id: int) -> str:
    """A Telegram bot token of the usual shape ``<bot_id>:AA...`` the sandbox accepts."""
    return f"{bot_id}:{_bot_secret(bot_id)}"


def verify_bot_token(token: str) -> int:
    """The bot id of a valid bot token, or TokenError("invalid")."""
    match = _BOT_TOKEN_RE.match(token or "")
    if match is None or not hmac.compare_digest(_bot_secret(int(match["bot_id"])), match["secret"]):
        raise TokenError("invalid")
    return int(match["bot_id"])


def looks_like_bot_token(token: str) -> bool:
    return _BOT_TOKEN_RE.match(token or "") is not None
