"""Connect the demo user to all four sandbox platforms (used by ``manage.py seed_demo``).

The web process that serves the sandbox is not running yet when ``make run`` seeds the demo
data, so the credentials are issued straight from the sandbox's state
(``control.issue_credentials``, no network call) and stored through the connections service
exactly as the connect flows would store them after verification. Platforms the user already
connected (or disconnected on purpose) are left alone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from platforms.constants import Platform
from platforms.sandbox import control

DEMO_ACCOUNT_NAME = "Демо-автор"


def connect_demo_user(user: Any) -> list[str]:
    """Give ``user`` a sandbox connection on each platform it has no connection row for.

    Returns the platforms connected now (empty when the sandbox is off). Idempotent.
    """
    from platforms.models import PlatformConnection
    from platforms.services import connection_store

    if not settings.PLATFORM_SANDBOX:
        return []
    known = set(PlatformConnection.objects.filter(user=user).values_list("platform", flat=True))
    connected: list[str] = []
    for platform in (Platform.VK, Platform.RUTUBE, Platform.DZEN, Platform.TELEGRAM):
        if platform in known:
            continue
        connection_store(user=user, platform=platform, **_stored_form(platform))
        connected.append(str(platform))
    return connected


def _stored_form(platform: str) -> dict[str, Any]:
    """The sandbox's credentials in the shape connecting stores them."""
    creds = control.issue_credentials(platform, account_name=DEMO_ACCOUNT_NAME)
    if platform == Platform.TELEGRAM:
        chat = creds["chat"]
        return {
            "access_token": creds["token"],
            "account_id": str(chat["id"]),
            "account_name": chat["title"],
            "extra": {
                "chat_id": chat["id"],
                "chat_username": chat.get("username", ""),
                "bot_id": creds["bot_id"],
                "bot_username": creds["bot_username"],
            },
        }
    if platform == Platform.RUTUBE:
        return {
            "access_token": creds["token"],
            "account_id": creds["account_id"],
            "account_name": creds["account_name"],
        }
    extra = {"device_id": creds["device_id"]} if creds.get("device_id") else {}
    if platform == Platform.VK:
        extra["vk_mode"] = "clip"
    return {
        "access_token": creds["access_token"],
        "refresh_token": creds["refresh_token"],
        "expires_at": timezone.now() + timedelta(seconds=int(creds["expires_in"])),
        "account_id": str(creds["account_id"]),
        "account_name": creds["account_name"],
        "extra": extra,
    }
