"""Every login (the site, the API token, the admin) locks out after repeated failures, per
address and per username, logs it, and staff can lift it."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 5


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


@pytest.fixture
def staff():
    return UserFactory(username="support", is_staff=True, is_superuser=True)


def site(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def admin(client: Client, username: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def api(client: APIClient, username: str, password: str):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password})


def logged_in(response) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code == 200 and response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return "token" in response.json()
    return response.status_code == 302 and "login" not in response["Location"]


@pytest.mark.parametrize(
    ("login", "client_class"), [(site, Client), (admin, Client), (api, APIClient)]
)
def test_the_right_password_is_refused_after_repeated_failures(login, client_class, staff):
    client = client_class(REMOTE_ADDR="10.1.0.1")
    for _ in range(LIMIT):
        answer = login(client, "support", "wrong")
        assert not logged_in(answer)

    answer = login(client, "support", "secret-pass-123")

    assert answer.status_code == 429
    assert not logged_in(answer)
    assert "Слишком много неудачных попыток входа" in answer.content.decode()


def test_forty_wrong_admin_passwords_then_the_right_one_does_not_log_in(staff, settings):
    settings.AXES_FAILURE_LIMIT = 10
    client = Client(REMOTE_ADDR="10.1.0.2")
    codes = [admin(client, "support", f"guess-{n}").status_code for n in range(40)]
    answer = admin(client, "support", "secret-pass-123")

    assert 429 in codes
    assert answer.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_username_is_locked_whatever_address_the_guesses_come_from(staff):
    for n in range(LIMIT):
        api(APIClient(REMOTE_ADDR=f"10.2.0.{n + 1}"), "support", "wrong")

    elsewhere = admin(Client(REMOTE_ADDR="10.2.9.9"), "support", "secret-pass-123")

    assert elsewhere.status_code == 429


def test_an_address_is_locked_for_every_username(staff):
    others = [UserFactory(username=f"user{n}") for n in range(LIMIT)]
    client = Client(REMOTE_ADDR="10.3.0.1")
    for other in others:
        site(client, other.username, "wrong")

    answer = site(client, "support", "secret-pass-123")

    assert answer.status_code == 429
    # Another address with the right password is still let in.
    assert logged_in(site(Client(REMOTE_ADDR="10.3.0.2"), "support", "secret-pass-123"))


def test_a_lockout_is_logged_as_an_event(staff, caplog):
    caplog.set_level(logging.INFO, logger="clipmaker.events")
    client = Client(REMOTE_ADDR="10.4.0.1")
    for _ in range(LIMIT):
        admin(client, "support", "wrong")

    events = [r for r in caplog.records if r.getMessage() == "login_locked_out"]
    assert events
    assert events[0].fields["username"] == "support"
    assert events[0].fields["ip_address"] == "10.4.0.1"
    assert "wrong" not in str(events[0].fields)


def test_staff_lift_a_lockout_in_the_admin_or_with_a_command(staff):
    locked = UserFactory(username="locked")
    for _ in range(LIMIT):
        site(Client(REMOTE_ADDR="10.5.0.1"), "locked", "wrong")
    assert site(Client(REMOTE_ADDR="10.5.0.9"), "locked", "secret-pass-123").status_code == 429

    call_command("axes_reset_username", "locked", stdout=StringIO())
    assert logged_in(site(Client(REMOTE_ADDR="10.5.0.9"), "locked", "secret-pass-123"))

    for _ in range(LIMIT):
        site(Client(REMOTE_ADDR="10.5.0.2"), locked.username, "wrong")
    support = Client()
    support.force_login(staff)
    listing = support.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "locked" in listing.content.decode()
    ids = list(AccessAttempt.objects.filter(username="locked").values_list("pk", flat=True))
    support.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert not AccessAttempt.objects.filter(username="locked").exists()
    assert logged_in(site(Client(REMOTE_ADDR="10.5.0.9"), "locked", "secret-pass-123"))


def test_the_admin_login_is_rate_limited_per_address_too(staff, settings):
    settings.AXES_FAILURE_LIMIT = 1000  # the rate limit alone
    client = Client(REMOTE_ADDR="10.6.0.1")
    codes = [admin(client, f"nobody{n}", "x").status_code for n in range(21)]
    assert codes[:20] == [200] * 20
    assert codes[20] == 429
