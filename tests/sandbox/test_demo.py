"""The demo user's sandbox connections: stored encrypted, accepted by the sandbox, idempotent."""

from __future__ import annotations

import pytest

from platforms.models import ConnectionStatus, Destination, PlatformConnection
from platforms.providers import Credentials, get_provider
from platforms.sandbox.demo import connect_demo_user
from tests.factories import UserFactory


@pytest.mark.live
def test_demo_user_gets_four_working_connections_with_six_places(sandbox):
    user = UserFactory()

    connected = connect_demo_user(user)

    assert connected == ["vk", "rutube", "dzen", "telegram"]
    places = Destination.objects.filter(connection__user=user)
    assert sorted(d.platform for d in places) == sorted(
        ["vk", "vk", "rutube", "dzen", "telegram", "telegram"]
    )
    for conn in PlatformConnection.objects.filter(user=user):
        assert conn.status == ConnectionStatus.ACTIVE
        credentials = Credentials(
            access_token=conn.get_token("access_token") or "",
            refresh_token=conn.get_token("refresh_token"),
            account_id=conn.account_id,
            extra=conn.extra,
        )
        get_provider(conn.platform).verify(credentials=credentials)
    assert connect_demo_user(user) == []


@pytest.mark.django_db
def test_a_platform_disconnected_on_purpose_is_left_alone(sandbox_state):
    user = UserFactory()
    connect_demo_user(user)
    PlatformConnection.objects.filter(user=user, platform="vk").update(
        status=ConnectionStatus.REVOKED
    )

    assert connect_demo_user(user) == []
    assert (
        PlatformConnection.objects.get(user=user, platform="vk").status == ConnectionStatus.REVOKED
    )


@pytest.mark.django_db
def test_nothing_is_connected_with_the_sandbox_off(sandbox_state, settings):
    settings.PLATFORM_SANDBOX = False

    assert connect_demo_user(UserFactory()) == []
