"""VK without an approved app: the connect page and the API take a token the person made.

Given the address VK showed after «Разрешить» (or the bare token), when it is pasted, then VK is
asked (``users.get``, ``groups.get``) before anything is stored, the token is kept encrypted
with its expiry, and the card and messages say until when it works. VK ID stays offered.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from platforms.models import PlatformConnection
from tests.fixtures.platform_urls import fake_url

pytestmark = pytest.mark.django_db

VK_API = fake_url("VK_API_URL")
TOKEN = "vk1.a.Pasted-Token_0123456789abcdefghijklmnopqrstuvwxyz"
ADDRESS = f"https://oauth.vk.com/blank.html#access_token={TOKEN}&expires_in=86400&user_id=777"
USER = {"response": [{"id": 777, "first_name": "Анна", "last_name": "Клипова"}]}
GROUPS = {"response": {"count": 1, "items": [{"id": 5, "name": "Кухня", "screen_name": "k"}]}}
CONNECT = "/settings/platforms/vk/connect/"


def paste(web, text: str):  # type: ignore[no-untyped-def]
    return web.post(CONNECT, {"method": "token", "token": text})


def token_errors(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(e) for e in response.context["form"].errors.get("token", [])]


def test_pasting_the_address_connects_vk_with_the_token_and_its_expiry(web, http, user):
    http.post(f"{VK_API}/users.get", json=USER)
    http.post(f"{VK_API}/groups.get", json=GROUPS)

    response = paste(web, ADDRESS)

    conn = PlatformConnection.objects.get(user=user, platform="vk")
    assert response.status_code == 302
    assert response["Location"] == f"/settings/platforms/connections/{conn.pk}/places/"
    assert (conn.account_id, conn.account_name, conn.status) == ("777", "Анна Клипова", "active")
    assert conn.get_token("access_token") == TOKEN
    assert TOKEN not in conn.access_token_sealed  # sealed, never plain
    assert conn.refresh_token_sealed == ""
    assert conn.extra == {"token_source": "pasted"}
    left = conn.expires_at - timezone.now()
    assert timedelta(hours=23, minutes=59) < left <= timedelta(hours=24)
    (page,) = conn.destinations.all()
    assert (page.kind, page.external_id) == ("page", "777")


def test_after_connecting_the_user_is_told_until_when_the_token_works(web, http, messages_of):
    http.post(f"{VK_API}/users.get", json=USER)
    http.post(f"{VK_API}/groups.get", json=GROUPS)

    response = web.post(CONNECT, {"method": "token", "token": ADDRESS}, follow=True)

    said = " ".join(messages_of(response))
    assert "VK подключён как Анна Клипова." in said
    assert "Токен VK действует до" in said and "в последние сутки" in said
    assert TOKEN not in response.content.decode()


def test_a_bare_token_connects_without_a_known_expiry(web, http, user):
    http.post(f"{VK_API}/users.get", json=USER)
    http.post(f"{VK_API}/groups.get", json=GROUPS)

    paste(web, TOKEN)

    assert PlatformConnection.objects.get(user=user, platform="vk").expires_at is None


def test_a_token_vk_refuses_is_not_stored_and_the_user_is_told_to_get_a_new_one(web, http, user):
    http.post(
        f"{VK_API}/users.get",
        json={"error": {"error_code": 5, "error_msg": "User authorization failed"}},
    )

    response = paste(web, ADDRESS)

    assert response.status_code == 200
    assert any("VK не принял токен" in e for e in token_errors(response))
    assert not PlatformConnection.objects.filter(user=user).exists()
    assert TOKEN not in response.content.decode()  # never rendered back


def test_a_token_without_the_groups_right_is_refused_naming_the_rights(web, http, user):
    http.post(f"{VK_API}/users.get", json=USER)
    http.post(
        f"{VK_API}/groups.get", json={"error": {"error_code": 15, "error_msg": "Access denied"}}
    )

    response = paste(web, ADDRESS)

    assert any("video, wall, groups, offline" in e for e in token_errors(response))
    assert not PlatformConnection.objects.filter(user=user).exists()


def test_malformed_input_is_refused_without_asking_vk(web, http, user):
    response = paste(web, "https://oauth.vk.com/blank.html#error=access_denied")

    assert any("VK не выдал токен" in e for e in token_errors(response))
    assert len(http.calls) == 0


def test_an_empty_token_form_asks_for_the_token_instead_of_starting_vk_id(web, http):
    response = paste(web, "")

    assert response.status_code == 200
    assert any("Вставьте токен VK" in e for e in token_errors(response))
    assert len(http.calls) == 0


def test_the_connect_page_tells_step_by_step_how_to_get_a_token(web, settings):
    settings.VK_TOKEN_CLIENT_ID = "51234567"

    html = web.get(CONNECT).content.decode()

    assert 'data-testid="vk-token-steps"' in html
    for scope in ("video", "wall", "groups", "offline"):
        assert f"<code>{scope}</code>" in html
    assert "весь адрес из адресной строки" in html
    assert "client_id=51234567" in html and "response_type=token" in html
    assert "Войти через VK ID" in html


def test_without_an_app_of_the_installation_the_user_names_their_own(web, settings):
    settings.VK_TOKEN_CLIENT_ID = ""
    settings.PLATFORM_SANDBOX = False

    first = web.get(CONNECT).content.decode()
    chosen = web.get(CONNECT, {"app_id": "7654321"}).content.decode()

    assert "dev.vk.com" in first and 'data-testid="vk-token-link"' not in first
    assert "client_id=7654321" in chosen


def test_the_settings_page_offers_both_ways_to_connect_vk(web):
    html = web.get("/settings/platforms/").content.decode()

    assert 'data-testid="connect-token"' in html
    assert f'href="{CONNECT}"' in html


# --- API -------------------------------------------------------------------------------------


def test_the_api_connects_vk_with_a_pasted_address(web, http, user):
    http.post(f"{VK_API}/users.get", json=USER)
    http.post(f"{VK_API}/groups.get", json=GROUPS)

    response = web.post(
        "/api/v1/platforms/connect/",
        {"platform": "vk", "token": ADDRESS},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["platform"], body["status"], body["account_id"]) == ("vk", "active", "777")
    assert body["expires_at"] is not None
    assert TOKEN not in response.content.decode()


def test_the_api_refuses_a_bad_vk_token_keyed_by_token(web, http):
    http.post(
        f"{VK_API}/users.get",
        json={"error": {"error_code": 5, "error_msg": "User authorization failed"}},
    )

    response = web.post(
        "/api/v1/platforms/connect/",
        {"platform": "vk", "token": TOKEN},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "VK не принял токен" in response.json()["errors"]["token"][0]


def test_the_api_still_starts_vk_id_without_a_token(web, http):
    response = web.post(
        "/api/v1/platforms/connect/", {"platform": "vk"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert "authorize_url" in response.json()
