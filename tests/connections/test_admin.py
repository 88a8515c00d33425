"""Admin for support staff: state visible, tokens and ciphertext never; actions via services."""

from __future__ import annotations

import pytest
from django.test import Client

from platforms.models import ConnectionStatus, PlatformConnection
from tests.factories import PlatformConnectionFactory, UserFactory
from tests.fixtures.platform_urls import fake_url

RUTUBE = fake_url("RUTUBE_API_URL")

pytestmark = pytest.mark.django_db

ACCESS = "admin-visible-access-token-0001"
REFRESH = "admin-visible-refresh-token-0001"


@pytest.fixture
def staff() -> Client:
    admin = UserFactory(username="support", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


def test_list_and_change_pages_show_state_but_no_token_or_ciphertext(staff):
    conn = PlatformConnectionFactory(platform="vk", account_name="Анна", tokens=(ACCESS, REFRESH))

    listing = staff.get("/admin/platforms/platformconnection/").content.decode()
    change = staff.get(f"/admin/platforms/platformconnection/{conn.pk}/change/").content.decode()

    assert "Анна" in listing and "VK" in listing
    for html in (listing, change):
        assert ACCESS not in html and REFRESH not in html
        assert conn.access_token_sealed not in html
        assert conn.refresh_token_sealed[:24] not in html
        assert "_sealed" not in html


def test_mark_expired_action_goes_through_the_service(staff):
    conn = PlatformConnectionFactory(platform="vk")

    response = staff.post(
        "/admin/platforms/platformconnection/",
        {"action": "mark_expired", "_selected_action": [str(conn.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    conn.refresh_from_db()
    assert conn.status == ConnectionStatus.EXPIRED
    assert "админке" in conn.last_error


def test_check_now_action_records_the_result(staff, http):
    conn = PlatformConnectionFactory(platform="rutube", tokens=("rutube-token-for-admin", None))
    http.get(f"{RUTUBE}/video/person/", status=401, json={"detail": "bad"})

    response = staff.post(
        "/admin/platforms/platformconnection/",
        {"action": "check_now", "_selected_action": [str(conn.pk)]},
        follow=True,
    )

    assert "Rutube" in response.content.decode()
    conn.refresh_from_db()
    assert conn.last_check_ok is False
    assert conn.status == ConnectionStatus.EXPIRED
    assert PlatformConnection.objects.count() == 1
