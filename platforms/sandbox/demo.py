"""Connect the demo user to all four sandbox platforms (used by ``manage.py seed_demo``).

The web process that serves the sandbox is not running yet when ``make run`` seeds the demo
data, so the credentials are issued straight from the sandbox's state and stored exactly as the
connect flows would store them after verification. Platforms the user already connected (or
disconnected on purpose) are left alone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from platforms.constants import Platform
from platforms.models import PlatformConnection
from platforms.sandbox import control
from platforms.services import connection_store


def connect_demo_user(user: Any) -> list[str]:
    known = set(PlatformConnection.objects.filter(user=user).values_list("platform", flat=True))
    connected: list[str] = []
    for platform in Platform.values:
        if platform in known:
            continue
        creds = control.issue_credentials(platform, account_name="Демо-автор")
        if platform in (Platform.VK, Platform.DZEN):
            extra = (
                {"device_id": creds["device_id"], "vk_mode": "clip"} if "device_id" in creds else {}
            )
            connection_store(
                user=user,
                platform=platform,
                access_token=creds["access_token"],
                refresh_token=creds.get("refresh_token"),
                expires_at=timezone.now() + timedelta(seconds=int(creds.get("expires_in", 3600))),
                account_id=str(creds["account_id"]),
                account_name=creds["account_name"],
                extra=extra,
            )
        elif platform == Platform.RUTUBE:
            connection_store(
                user=user,
                platform=platform,
                access_token=creds["token"],
                account_id=creds["account_id"],
                account_name=creds["account_name"],
            )
        else:
            chat = creds["chat"]
            connection_store(
                user=user,
                platform=platform,
                access_token=creds["token"],
                account_id=str(chat["id"]),
                account_name=chat.get("title") or creds["chat_id"],
                extra={
                    "chat_id": chat["id"],
                    "chat_username": chat.get("username") or "",
                    "bot_id": creds["bot_id"],
                    "bot_username": creds["bot_username"],
                },
            )
        connected.append(platform)
    return connected
