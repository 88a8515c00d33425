"""The platforms JSON API (API.md "Platforms"): shapes, errors, ownership, the connect limit."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from clipmaker.accounts.models import Plan
from platforms.models import ConnectionStatus, PlatformConnection
from publishing.models import PublicationStatus
from tests.factories import (
    ClipFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    UserFactory,
)
from tests.fixtures.platform_urls import fake_url

from .test_token_connect import BOT, BOT_TOKEN, CHANNEL, RUTUBE_TOKEN, TG, tg_error, tg_ok

RUTUBE = fake_url("RUTUBE_API_URL")

pytestmark = pytest.mark.django_db

FIELDS = {
    "platform",
    "status",
    "account_name",
    "account_id",
    "connected_at",
    "expires_at",
    "allowed_by_plan",
}


@pytest.fixture
def api(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def test_list_has_all_four_platforms_with_disconnected_ones(api, user):
    PlatformConnectionFactory(user=user, platform="vk", account_name="Анна", account_id="42")

    response = api.get("/api/v1/platforms/")

    assert response.status_code == 200
    by_platform = {row["platform"]: row for row in response.json()}
    assert list(by_platform) == ["vk", "rutube", "dzen", "telegram"]
    assert all(set(row) >= FIELDS for row in by_platform.values())
    assert by_platform["vk"]["status"] == "active"
    assert by_platform["vk"]["account_name"] == "Анна"
    assert by_platform["vk"]["account_id"] == "42"
    assert by_platform["vk"]["connected_at"] is not None
    assert by_platform["rutube"]["status"] == "disconnected"
    assert by_platform["rutube"]["connected_at"] is None
    assert all(row["allowed_by_plan"] for row in by_platform.values())


def test_list_never_contains_a_token(api, user):
    PlatformConnectionFactory(user=user, tokens=("plain-access-XYZ", "plain-refresh-XYZ"))

    body = api.get("/api/v1/platforms/").content.decode()

    assert "plain-access-XYZ" not in body and "plain-refresh-XYZ" not in body
    assert "sealed" not in body and "v1." not in body


def test_list_shows_plan_rules_for_start():
    client = APIClient()
    client.force_authenticate(UserFactory(plan=Plan.START))

    rows = client.get("/api/v1/platforms/").json()

    assert {r["platform"]: r["allowed_by_plan"] for r in rows} == {
        "vk": True,
        "rutube": False,
        "dzen": False,
        "telegram": False,
    }


def test_list_requires_authentication():
    assert APIClient().get("/api/v1/platforms/").status_code in (401, 403)


def test_connect_oauth_platform_returns_the_authorize_url(api, fake_platforms):
    response = api.post("/api/v1/platforms/connect/", {"platform": "vk"}, format="json")

    assert response.status_code == 200
    url = response.json()["authorize_url"]
    assert url.startswith(f"{fake_url('VK_ID_URL')}/authorize?")
    query = parse_qs(urlsplit(url).query)
    assert query["redirect_uri"] == ["https://clipmaker.test/api/oauth/vk/callback"]
    assert query["code_challenge"] and query["state"]


def test_connect_telegram_returns_201_with_the_connection(api, http, user):
    http.post(f"{TG}/getMe", json=tg_ok(BOT))
    http.post(f"{TG}/getChat", json=tg_ok(CHANNEL))
    http.post(f"{TG}/getChatMember", json=tg_ok({"status": "creator", "user": BOT}))

    response = api.post(
        "/api/v1/platforms/connect/",
        {"platform": "telegram", "token": BOT_TOKEN, "chat_id": "@my_channel"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) >= FIELDS
    assert body["platform"] == "telegram"
    assert body["status"] == "active"
    assert body["account_name"] == "@clip_bot"
    assert len(body["destinations"]) == 1
    assert BOT_TOKEN not in response.content.decode()
    (channel,) = api.get("/api/v1/destinations/").json()
    assert channel["id"] == body["destinations"][0]
    assert (channel["name"], channel["kind"], channel["connection_id"]) == (
        "Мой канал",
        "channel",
        body["connection_id"],
    )


def test_connect_telegram_refused_is_400_with_the_reason_in_russian(api, http, user):
    http.post(f"{TG}/getMe", json=tg_ok(BOT))
    http.post(f"{TG}/getChat", status=400, json=tg_error(400, "Bad Request: chat not found"))

    response = api.post(
        "/api/v1/platforms/connect/",
        {"platform": "telegram", "token": BOT_TOKEN, "chat_id": "@nope_channel"},
        format="json",
    )

    assert response.status_code == 400
    assert "не найден" in response.json()["errors"]["chat_id"][0]
    assert not PlatformConnection.objects.exists()


def test_connect_rutube_invalid_token_is_400(api, http):
    http.get(f"{RUTUBE}/video/person/", status=401, json={"detail": "no"})

    response = api.post(
        "/api/v1/platforms/connect/", {"platform": "rutube", "token": RUTUBE_TOKEN}, format="json"
    )

    assert response.status_code == 400
    assert "Rutube не принял токен" in response.json()["errors"]["token"][0]


def test_connect_validation_errors_use_the_errors_envelope(api):
    missing = api.post("/api/v1/platforms/connect/", {"platform": "telegram"}, format="json")
    unknown = api.post("/api/v1/platforms/connect/", {"platform": "myspace"}, format="json")

    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"token", "chat_id"}
    assert unknown.status_code == 400
    assert "Неизвестная платформа" in unknown.json()["errors"]["platform"][0]


def test_connect_refused_by_plan_is_400(fake_platforms):
    client = APIClient()
    client.force_authenticate(UserFactory(plan=Plan.FREE))

    response = client.post("/api/v1/platforms/connect/", {"platform": "vk"}, format="json")

    assert response.status_code == 400
    assert "Free" in response.json()["errors"]["platform"][0]


def test_test_endpoint_reports_ok_and_records_the_check(api, http, user):
    conn = PlatformConnectionFactory(user=user, platform="rutube", tokens=(RUTUBE_TOKEN, None))
    http.get(f"{RUTUBE}/video/person/", json={"results": []})

    response = api.post("/api/v1/platforms/rutube/test/")

    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert "работает" in response.json()["detail"]
    conn.refresh_from_db()
    assert conn.last_check_ok is True and conn.last_checked_at is not None


def test_test_endpoint_marks_a_refused_token_expired(api, http, user):
    conn = PlatformConnectionFactory(user=user, platform="rutube", tokens=(RUTUBE_TOKEN, None))
    http.get(f"{RUTUBE}/video/person/", status=401, json={"detail": "bad"})

    response = api.post("/api/v1/platforms/rutube/test/")

    assert response.json()["ok"] is False
    assert "Rutube" in response.json()["detail"]
    conn.refresh_from_db()
    assert conn.status == ConnectionStatus.EXPIRED
    assert conn.last_check_ok is False


def test_delete_disconnects_and_reports_cancelled_publications(api, user):
    PlatformConnectionFactory(user=user, platform="vk")
    clip = ClipFactory(owner=user)
    PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.SCHEDULED)
    PublicationFactory(clip=ClipFactory(owner=user), platform="vk", status=PublicationStatus.QUEUED)
    done = PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHED)

    response = api.delete("/api/v1/platforms/vk/")

    assert response.status_code == 200
    assert response.json() == {"cancelled_publications": 2}
    conn = PlatformConnection.objects.get(user=user, platform="vk")
    assert conn.status == ConnectionStatus.REVOKED
    assert conn.access_token_sealed == "" and conn.refresh_token_sealed == ""
    done.refresh_from_db()
    assert done.status == PublicationStatus.PUBLISHED
    rows = {r["platform"]: r for r in api.get("/api/v1/platforms/").json()}
    assert rows["vk"]["status"] == "revoked"


def test_another_users_connection_answers_404(api):
    PlatformConnectionFactory(user=UserFactory(), platform="telegram")

    assert api.post("/api/v1/platforms/telegram/test/").status_code == 404
    assert api.delete("/api/v1/platforms/telegram/").status_code == 404
    assert PlatformConnection.objects.get(platform="telegram").status == ConnectionStatus.ACTIVE


def test_unknown_platform_answers_404(api):
    assert api.post("/api/v1/platforms/myspace/test/").status_code == 404
    assert api.delete("/api/v1/platforms/myspace/").status_code == 404


def test_session_authentication_works_with_csrf(user, fake_platforms):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.get("/api/v1/platforms/").status_code == 200
    assert client.post("/api/v1/platforms/connect/", {"platform": "vk"}).status_code == 403


def test_schema_documents_the_platform_endpoints(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    paths = schema["paths"]
    assert "get" in paths["/api/v1/platforms/"]
    assert "post" in paths["/api/v1/platforms/connect/"]
    assert "post" in paths["/api/v1/platforms/{platform}/test/"]
    assert "delete" in paths["/api/v1/platforms/{platform}/"]
    connect = paths["/api/v1/platforms/connect/"]["post"]["responses"]
    assert {"200", "201", "400", "429"} <= set(connect)
