"""What every edge shares: the guard type, the conditional UPDATE, the claim fields a release
clears, and what a log line says about a publication and a platform error.
"""

from __future__ import annotations

from typing import Any, TypedDict

from django.db.models import QuerySet
from django.utils import timezone

from platforms.providers import ProviderError
from publishing.models import Publication

Guard = QuerySet[Publication]

# Fields every edge that releases a worker's claim clears.
_RELEASE = {"claim_token": None, "lease_expires_at": None}


def _fields(pub: Publication, **extra: Any) -> dict[str, Any]:
    return {
        "publication_id": pub.pk,
        "platform": pub.platform,
        "destination_id": pub.destination_id,
        "attempt": pub.attempts,
        "clip_id": pub.clip_id,
        **extra,
    }


def _update(guard: Guard, **changes: Any) -> bool:
    changes.setdefault("updated_at", timezone.now())
    return bool(guard.update(**changes))


class _ErrorFields(TypedDict, total=False):
    error: str
    status: int | None
    code: str | None
    platform_message: str
    body_sent: bool


def error_fields(err: ProviderError | None) -> _ErrorFields:
    """What a log line says about a platform error (never a token: providers scrub them)."""
    if err is None:
        return {}
    return {
        "error": type(err).__name__,
        "status": err.status,
        "code": str(err.code) if err.code is not None else None,
        "platform_message": err.platform_message[:300],
        "body_sent": err.body_sent,
    }
