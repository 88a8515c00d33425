"""Signed, expiring URLs to a clip's file (Rutube downloads clips from them)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "clipmaker.clips.public-url"


def clip_signed_url(*, clip_id: int, ttl_seconds: int | None = None) -> str:
    expires = int(time.time()) + (ttl_seconds or settings.CLIP_URL_TTL_SECONDS)
    token = signing.dumps({"c": clip_id, "e": expires}, salt=SALT, compress=True)
    return settings.PUBLIC_BASE_URL + reverse("signed-clip-file", args=[token])


def clip_id_from_signed(token: str) -> int | None:
    """The clip id of a valid, unexpired token, or None when tampered with or expired."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or int(data.get("e", 0)) < time.time():
        return None
    return int(data["c"])
