"""Connect the demo user to every sandbox platform (used by ``manage.py seed_demo``): a VK
page and the community «Кухня за 10 минут», the Rutube and Дзен channels, and two Telegram
channels of one bot — six places to publish to in one click.

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
    """Give ``user`` a sandbox connection, with its demo places, on each platform it has no
    connection row for.

    Returns the platforms connected now (empty when the sandbox is off). Idempotent.
    """
    from platforms.destinations import destination_save_place
    from platforms.models import PlatformConnection
    from platforms.providers import DestinationInfo, platform_values
    from platforms.sandbox.registry import sandbox
    from platforms.services import connection_store

    if not settings.PLATFORM_SANDBOX:
        return []
    known = set(PlatformConnection.objects.filter(user=user).values_list("platform", flat=True))
    connected: list[str] = []
    for platform in platform_values():
        if platform in known:
            continue
        stand_in = sandbox(platform)
        stored = stand_in.demo_connection(DEMO_ACCOUNT_NAME)
        connection = connection_store(user=user, platform=platform, **stored)
        for place in stand_in.demo_places(stored) if stand_in.demo_places else []:
            destination_save_place(connection=connection, place=DestinationInfo(**place))
        connected.append(platform)
    return connected
