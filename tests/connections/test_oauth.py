"""OAuth connections (VK ID, Yandex for Дзен) against fake hosts with ``responses``.

Given a logged-in Pro user who pressed «Подключить», when the platform redirects back to our
callback, then the state is checked before any code exchange, PKCE S256 is used, and the
connection is stored encrypted with the account name the platform reports.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.test import Client
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms import oauth
from platforms.models import ConnectionStatus, PlatformConnection
from tests.factories import UserFactory
from tests.fixtures.platform_urls import fake_url

from .conftest import PUBLIC_BASE_URL

pytestmark = pytest.mark.django_db

VK_TOKEN_URL = f"{fake_url('VK_ID_URL')}/oauth2/auth"
YA_TOKEN_URL = f"{fake_url('YANDEX_OAUTH_URL')}/token"
VK_TOKENS = {
    "access_token": "vk-access-AAAA1111",
    "refresh_token": "vk-refresh-BBBB2222",
    "id_token": "vk-id-token",
    "expires_in": 3600,
    "user_id": 777001,
    "state": "x",
    "token_type": "Bearer",
    "scope": "video wall",
}


def start(web: Any, platform: str) -> dict[str, str]:
    """Press «Подключить» on the settings page; return the authorize URL's query."""
    response = web.post(f"/settings/platforms/{platform}/connect/")
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def body_of(call: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


def mock_vk_success(http: responses.RequestsMock) -> None:
    http.post(VK_TOKEN_URL, json=VK_TOKENS)
    http.post(
        f"{fake_url('VK_API_URL')}/users.get",
        json={"response": [{"id": 777001, "first_name": "Анна", "last_name": "Клипова"}]},
    )


def test_vk_authorize_url_carries_pkce_s256_state_and_exact_redirect_uri(web, http):
    query = start(web, "vk")

    assert query["response_type"] == "code"
    assert query["client_id"] == "vk-client-id"
    assert query["redirect_uri"] == f"{PUBLIC_BASE_URL}/api/oauth/vk/callback"
    assert query["code_challenge_method"].upper() == "S256"
    assert len(query["code_challenge"]) == 43  # base64url SHA-256, no padding
    assert len(query["state"]) >= 32
    assert "video" in query["scope"]


def test_dzen_authorize_url_carries_pkce_and_its_own_redirect_uri(web, http):
    query = start(web, "dzen")

    assert query["redirect_uri"] == f"{PUBLIC_BASE_URL}/api/oauth/dzen/callback"
    assert query["code_challenge_method"] == "S256"
    assert query["client_id"] == "ya-client-id"
    assert query["scope"] == "zen:write"


def test_vk_callback_exchanges_code_with_verifier_and_device_id_then_stores_connection(
    web, http, user, messages_of
):
    query = start(web, "vk")
    mock_vk_success(http)
    # The page it lands on lists the communities to choose from.
    http.post(
        "https://api.vk.test/method/groups.get",
        json={"response": {"count": 1, "items": [{"id": 55, "name": "Кухня за 10 минут"}]}},
    )

    response = web.get(
        "/api/oauth/vk/callback",
        {"code": "the-code", "state": query["state"], "device_id": "dev-42", "expires_in": "600"},
        follow=True,
    )

    conn = PlatformConnection.objects.get(user=user, platform="vk")
    assert response.redirect_chain[-1][0] == f"/settings/platforms/connections/{conn.pk}/places/"
    assert "Кухня за 10 минут" in response.content.decode()
    assert "VK подключён как Анна Клипова." in messages_of(response)
    sent = body_of(http.calls[0])
    assert sent["grant_type"] == "authorization_code"
    assert sent["code"] == "the-code"
    assert sent["device_id"] == "dev-42"
    assert sent["redirect_uri"] == f"{PUBLIC_BASE_URL}/api/oauth/vk/callback"
    verifier = sent["code_verifier"]
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert challenge.rstrip(b"=").decode() == query["code_challenge"]
    conn = PlatformConnection.objects.get(user=user, platform="vk")
    assert conn.status == ConnectionStatus.ACTIVE
    assert conn.account_name == "Анна Клипова"
    assert conn.account_id == "777001"
    assert conn.extra["device_id"] == "dev-42"  # refresh needs it
    assert conn.get_token("access_token") == "vk-access-AAAA1111"
    assert conn.get_token("refresh_token") == "vk-refresh-BBBB2222"
    assert conn.expires_at is not None
    assert conn.expires_at > timezone.now() + timedelta(minutes=55)


def test_dzen_callback_exchanges_code_and_reads_account_name(web, http, user, messages_of):
    query = start(web, "dzen")
    http.post(
        YA_TOKEN_URL,
        json={"access_token": "ya-acc-1", "refresh_token": "ya-ref-1", "expires_in": 31536000},
    )
    http.get(f"{fake_url('DZEN_API_URL')}/v1/me", json={"id": "dz-9", "name": "Канал Анны"})

    response = web.get(
        "/api/oauth/dzen/callback", {"code": "c0de", "state": query["state"]}, follow=True
    )

    assert "Дзен подключён как Канал Анны." in messages_of(response)
    sent = body_of(http.calls[0])
    assert sent["code"] == "c0de"
    assert sent["client_secret"] == "ya-client-secret"
    assert oauth.pkce_challenge(sent["code_verifier"]) == query["code_challenge"]
    conn = PlatformConnection.objects.get(user=user, platform="dzen")
    assert (conn.account_id, conn.account_name) == ("dz-9", "Канал Анны")
    assert conn.get_token("access_token") == "ya-acc-1"


def test_forged_state_is_refused_before_any_exchange(web, http, user, messages_of):
    start(web, "vk")  # a real flow exists, but the callback brings a state we never issued

    response = web.get(
        "/api/oauth/vk/callback",
        {"code": "c", "state": "forged-state-value-0000000000", "device_id": "d"},
        follow=True,
    )

    assert any("устарела или уже использована" in m for m in messages_of(response))
    assert len(http.calls) == 0
    assert not PlatformConnection.objects.filter(user=user).exists()


def test_replayed_state_is_refused_the_second_time(web, http, user, messages_of):
    query = start(web, "vk")
    mock_vk_success(http)
    params = {"code": "c", "state": query["state"], "device_id": "d"}
    web.get("/api/oauth/vk/callback", params)
    PlatformConnection.objects.filter(user=user).delete()

    response = web.get("/api/oauth/vk/callback", params, follow=True)

    assert any("устарела или уже использована" in m for m in messages_of(response))
    assert len(http.calls) == 2  # the first exchange and its users.get only
    assert not PlatformConnection.objects.filter(user=user).exists()


def test_expired_state_is_refused(web, http, user, monkeypatch, messages_of):
    query = start(web, "vk")
    later = timezone.now() + timedelta(seconds=oauth.STATE_TTL_SECONDS + 5)
    monkeypatch.setattr(oauth.timezone, "now", lambda: later)

    response = web.get(
        "/api/oauth/vk/callback",
        {"code": "c", "state": query["state"], "device_id": "d"},
        follow=True,
    )

    assert any("устарела" in m for m in messages_of(response))
    assert len(http.calls) == 0
    assert not PlatformConnection.objects.filter(user=user).exists()


def test_state_within_its_ttl_still_works(web, http, user, monkeypatch):
    query = start(web, "vk")
    later = timezone.now() + timedelta(seconds=oauth.STATE_TTL_SECONDS - 30)
    monkeypatch.setattr(oauth.timezone, "now", lambda: later)
    mock_vk_success(http)

    web.get("/api/oauth/vk/callback", {"code": "c", "state": query["state"], "device_id": "d"})

    assert PlatformConnection.objects.filter(user=user, platform="vk").exists()


def test_another_users_state_is_refused_and_burnt(web, http, user, messages_of):
    query = start(web, "vk")
    intruder = UserFactory(plan=Plan.PRO)
    other = Client()
    other.force_login(intruder)

    response = other.get(
        "/api/oauth/vk/callback",
        {"code": "c", "state": query["state"], "device_id": "d"},
        follow=True,
    )

    assert any("устарела" in m for m in messages_of(response))
    assert len(http.calls) == 0
    assert not PlatformConnection.objects.exists()
    # The owner cannot use it afterwards either: a leaked state is single-use for everyone.
    web.get("/api/oauth/vk/callback", {"code": "c", "state": query["state"], "device_id": "d"})
    assert not PlatformConnection.objects.exists()


def test_state_issued_for_vk_is_refused_on_the_dzen_callback(web, http, messages_of):
    query = start(web, "vk")

    response = web.get(
        "/api/oauth/dzen/callback", {"code": "c", "state": query["state"]}, follow=True
    )

    assert any("устарела" in m for m in messages_of(response))
    assert not PlatformConnection.objects.exists()


def test_user_pressing_deny_ends_on_settings_with_a_message_and_no_token(
    web, http, user, messages_of
):
    query = start(web, "vk")

    response = web.get(
        "/api/oauth/vk/callback",
        {"error": "access_denied", "error_description": "User denied", "state": query["state"]},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/settings/platforms/"
    assert any("Вы не разрешили доступ к VK" in m for m in messages_of(response))
    assert len(http.calls) == 0
    assert not PlatformConnection.objects.filter(user=user).exists()


def test_refused_code_exchange_stores_nothing_and_says_what_to_do(web, http, user, messages_of):
    query = start(web, "dzen")
    http.post(
        YA_TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "Code has expired"},
    )

    response = web.get(
        "/api/oauth/dzen/callback", {"code": "old", "state": query["state"]}, follow=True
    )

    assert any("Дзен" in m and "заново" in m for m in messages_of(response))
    assert not PlatformConnection.objects.filter(user=user).exists()


def test_callback_requires_login(client, http):
    response = client.get("/api/oauth/vk/callback", {"code": "c", "state": "s"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert len(http.calls) == 0


def test_connect_page_action_requires_post(web, http):
    response = web.get("/settings/platforms/dzen/connect/")

    assert response.status_code == 302
    assert response["Location"] == "/settings/platforms/"
    assert len(http.calls) == 0


def test_vk_connect_page_offers_vk_id_and_a_pasted_token_without_calling_vk(web, http):
    response = web.get("/settings/platforms/vk/connect/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Войти через VK ID" in html and 'name="method" value="token"' in html
    assert len(http.calls) == 0


def test_free_plan_cannot_start_oauth(http, messages_of):
    client = Client()
    client.force_login(UserFactory(plan=Plan.FREE))

    response = client.post("/settings/platforms/vk/connect/", follow=True)

    assert response.redirect_chain[-1][0] == "/settings/platforms/"
    assert any("На тарифе Free" in m for m in messages_of(response))


def test_start_plan_can_connect_vk_but_not_dzen(http, messages_of):
    client = Client()
    client.force_login(UserFactory(plan=Plan.START))

    vk = client.post("/settings/platforms/vk/connect/")
    dzen = client.post("/settings/platforms/dzen/connect/", follow=True)

    assert vk.status_code == 302 and vk["Location"].startswith(
        f"{fake_url('VK_ID_URL')}/authorize?"
    )
    assert any("не включает Дзен" in m for m in messages_of(dzen))


def test_pkce_verifier_and_challenge_follow_rfc7636():
    # RFC 7636 Appendix B.
    assert (
        oauth.pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    verifier = oauth.pkce_verifier()
    assert 43 <= len(verifier) <= 128
    assert verifier != oauth.pkce_verifier()
