"""The connect limit: 5 completed connects an hour per user and platform (API.md "Additions").

A completed connect is one that reaches the platform: a pasted token sent to be checked, an
OAuth callback that came back with a code. OAuth starts, denials and malformed input cost
nothing, so a new user is never locked out before her first connection, and one platform's
attempts never block another. The refusal says how long to wait; staff can lift it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from clipmaker.accounts.models import Plan
from platforms.connect_limit import connect_limit_reset, connect_limits_reached
from platforms.models import ConnectAttempt
from tests.factories import UserFactory

from .test_oauth import start
from .test_token_connect import RUTUBE

pytestmark = pytest.mark.django_db

BAD_TOKEN = "rutube-wrong-token-0123456789abcdef"


@pytest.fixture
def api(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def refused_by_rutube(http: Any) -> None:
    http.get(f"{RUTUBE}/video/person/", status=401, json={"detail": "Invalid token."})


def rutube_connect(api: APIClient) -> Any:
    return api.post(
        "/api/v1/platforms/connect/", {"platform": "rutube", "token": BAD_TOKEN}, format="json"
    )


def attempts(user: Any, platform: str, n: int, *, minutes_ago: int = 1) -> None:
    when = timezone.now() - timedelta(minutes=minutes_ago)
    for _ in range(n):
        ConnectAttempt.objects.create(user=user, platform=platform, created_at=when)


def test_the_sixth_token_checked_within_an_hour_is_429_with_the_time_to_wait(api, http):
    refused_by_rutube(http)

    answers = [rutube_connect(api) for _ in range(6)]

    assert [a.status_code for a in answers] == [400] * 5 + [429]
    body = answers[5].json()
    assert "Слишком много попыток подключить Rutube: не больше 5 в час" in body["detail"]
    assert "через 60 мин" in body["detail"]
    assert 3500 <= body["retry_after"] <= 3600
    assert answers[5]["Retry-After"] == str(body["retry_after"])
    assert len(http.calls) == 5  # the sixth token never went to Rutube


def test_the_message_says_the_time_left_until_the_oldest_attempt_leaves_the_hour(api, user):
    attempts(user, "rutube", 5, minutes_ago=48)

    body = rutube_connect(api).json()

    assert "Попробуйте снова через 12 мин" in body["detail"]
    assert 11 * 60 <= body["retry_after"] <= 12 * 60


def test_oauth_starts_cost_nothing(api, fake_platforms, user):
    answers = [
        api.post("/api/v1/platforms/connect/", {"platform": "vk"}, format="json") for _ in range(8)
    ]

    assert [a.status_code for a in answers] == [200] * 8
    assert not ConnectAttempt.objects.exists()


def test_a_denied_oauth_callback_costs_nothing(web, fake_platforms, user):
    for _ in range(6):
        query = start(web, "vk")
        web.get("/api/oauth/vk/callback", {"error": "access_denied", "state": query["state"]})

    assert not ConnectAttempt.objects.exists()


def test_an_oauth_callback_with_a_code_counts_even_when_the_exchange_fails(web, http, user):
    from .test_oauth import VK_TOKEN_URL

    http.post(VK_TOKEN_URL, status=400, json={"error": "invalid_grant"})
    query = start(web, "vk")

    web.get("/api/oauth/vk/callback", {"code": "c", "state": query["state"], "device_id": "d"})

    assert ConnectAttempt.objects.filter(user=user, platform="vk").count() == 1


def test_the_callback_past_the_limit_is_refused_before_the_exchange(web, http, user, messages_of):
    query = start(web, "vk")
    attempts(user, "vk", 5)

    response = web.get(
        "/api/oauth/vk/callback",
        {"code": "c", "state": query["state"], "device_id": "d"},
        follow=True,
    )

    assert any("Слишком много попыток подключить VK" in m for m in messages_of(response))
    assert len(http.calls) == 0


def test_a_start_is_refused_while_the_limit_is_reached(api, fake_platforms, user):
    attempts(user, "vk", 5)

    answer = api.post("/api/v1/platforms/connect/", {"platform": "vk"}, format="json")

    assert answer.status_code == 429
    assert "retry_after" in answer.json()


def test_malformed_input_never_reaches_the_platform_and_costs_nothing(api, user):
    for _ in range(7):
        answer = api.post(
            "/api/v1/platforms/connect/",
            {"platform": "telegram", "token": "not-a-token", "chat_id": "@x"},
            format="json",
        )
        assert answer.status_code == 400
    assert not ConnectAttempt.objects.exists()


def test_one_platforms_limit_does_not_block_another(api, fake_platforms, user):
    attempts(user, "rutube", 5)

    assert rutube_connect(api).status_code == 429
    answer = api.post("/api/v1/platforms/connect/", {"platform": "dzen"}, format="json")
    assert answer.status_code == 200


def test_the_limit_is_per_user(api, http, user):
    attempts(user, "rutube", 5)
    refused_by_rutube(http)
    other = APIClient()
    other.force_authenticate(UserFactory(plan=Plan.PRO))

    assert rutube_connect(other).status_code == 400


def test_attempts_older_than_an_hour_do_not_count(api, http, user):
    attempts(user, "rutube", 5, minutes_ago=61)
    refused_by_rutube(http)

    assert rutube_connect(api).status_code == 400


def test_the_token_page_shows_the_wait_and_answers_429(web, user):
    attempts(user, "telegram", 5, minutes_ago=30)

    response = web.post(
        "/settings/platforms/telegram/connect/",
        {"token": "123456789:AAHsecretBotTokenValue0123456789abcd", "chat_id": "@my_channel"},
    )

    assert response.status_code == 429
    page = response.content.decode()
    assert "Слишком много попыток подключить Telegram" in page
    assert "через 30 мин" in page


# --- lifting it ---------------------------------------------------------------------------------


def test_reset_lifts_the_limit_on_one_platform_or_all(user):
    attempts(user, "rutube", 5)
    attempts(user, "vk", 5)

    assert connect_limit_reset(user=user, platform="rutube") == 5
    assert [r.platform for r in connect_limits_reached()] == ["vk"]
    assert connect_limit_reset(user=user) == 5
    assert connect_limits_reached() == []


def test_admin_action_on_the_user_resets_the_limit(admin_client, user):
    attempts(user, "rutube", 5)

    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "reset_connect_limit", "_selected_action": [user.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Лимит подключений сброшен" in response.content.decode()
    assert not ConnectAttempt.objects.filter(user=user).exists()


def test_staff_page_lists_who_is_at_the_limit_and_resets_it(admin_client, user):
    attempts(user, "telegram", 5)

    page = admin_client.get("/staff/").content.decode()
    assert f'data-user="{user.username}" data-platform="telegram"' in page

    response = admin_client.post(
        "/staff/connect-limit/reset/", {"user_id": user.pk, "platform": "telegram"}, follow=True
    )

    assert f"Лимит подключений Telegram для {user.username} сброшен." in response.content.decode()
    assert not ConnectAttempt.objects.exists()


def test_only_staff_can_reset(web, user):
    attempts(user, "telegram", 5)

    response = web.post("/staff/connect-limit/reset/", {"user_id": user.pk, "platform": "telegram"})

    assert response.status_code == 404
    assert ConnectAttempt.objects.count() == 5


def test_the_admin_lists_connect_attempts(admin_client, user):
    attempts(user, "rutube", 1)
    page = admin_client.get("/admin/platforms/connectattempt/")
    assert page.status_code == 200 and user.username in page.content.decode()


def test_a_successful_connect_counts_too(web, http, user):
    http.get(
        f"{RUTUBE}/video/person/",
        json={"results": [{"author": {"id": 555, "name": "Анна на Rutube"}}]},
    )
    Client()  # the page flow, as a person uses it
    web.post("/settings/platforms/rutube/connect/", {"token": BAD_TOKEN})
    assert ConnectAttempt.objects.filter(user=user, platform="rutube").count() == 1
