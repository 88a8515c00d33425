"""Connect the demo user to every sandbox platform (used by ``manage.py seed_demo``).

The web process that serves the sandbox is not running yet when ``make run`` seeds the demo
data, so the credentials are issued straight from the sandbox's state
(each platform module's ``demo_connection``, no network call) and stored through the connections service
exactly as the connect flows would store them after verification. Platforms the user already
connected (or disconnected on purpose) are left alone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEMO_ACCOUNT_NAME = "Демо-автор"


def connect_demo_user(user: Any) -> list[str]:
    """Give ``user`` a sandbox connection on each platform it has no connection row for.

    Returns the platforms connected now (empty when the sandbox is off). Idempotent.
    """
    from platforms.models import PlatformConnection
    from platforms.providers import platform_values
    from platforms.sandbox.registry import sandbox
    from platforms.services import connection_store

    if not settings.PLATFORM_SANDBOX:
        return []
    known = set(PlatformConnection.objects.filter(user=user).values_list("platform", flat=True))
    connected: list[str] = []
    for platform in platform_values():
        if platform in known:
            continue
        stored = sandbox(platform).demo_connection(DEMO_ACCOUNT_NAME)
        connection_store(user=user, platform=platform, **stored)
        connected.append(platform)
    return connected
