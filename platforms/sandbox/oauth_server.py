"""What the sandbox's OAuth endpoints share: the ``OAuthServer`` a platform declares, the error
they answer with, the PKCE S256 challenge, the lifetimes of codes and refresh tokens, and the
faults the control API injects, answered as an OAuth server would.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from django.http import HttpResponse

from platforms.sandbox.faults import Fault
from platforms.sandbox.wire import json_response

CODE_TTL_SECONDS = 600
REFRESH_TTL_SECONDS = 180 * 24 * 3600
_VERIFIER_RE = re.compile(r"^[A-Za-z0-9_\-.~]{43,128}$")


@dataclass(frozen=True)
class OAuthServer:
    key: str  # journal / fault platform name
    token_platform: str  # platform of the access tokens it issues
    title: str
    default_scope: str
    requires_state: bool
    vk_style: bool  # device_id, expires_in and state in answers, user_id, id_token

    def account_for(self, name: str) -> str:
        digest = int.from_bytes(hashlib.sha256(f"{self.key}:{name}".encode()).digest()[:8], "big")
        return str(100_000_000 + digest % 800_000_000)


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


def _fault(fault: Fault, method: str) -> HttpResponse:
    params = fault.params
    if fault.kind == "server_error":
        return json_response(
            {"error": "server_error", "error_description": "Internal server error"},
            status=int(params.get("status", 500)),
        )
    if fault.kind == "rate_limit":
        retry_after = int(params.get("retry_after", 2))
        return json_response(
            {"error": "slow_down", "error_description": "Too many requests"},
            status=429,
            Retry_After=str(retry_after),
        )
    if fault.kind == "auth_expired":
        return json_response(
            {"error": "invalid_grant", "error_description": "Token has expired"}, status=400
        )
    return json_response(
        {
            "error": params.get("code") or "invalid_request",
            "error_description": params.get("message") or "Request refused",
        },
        status=int(params.get("status", 400)),
    )


def challenge_of(verifier: str) -> str:
    """The S256 code challenge of a verifier (base64url of SHA-256, no padding)."""
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
