"""VK ID and Yandex OAuth stand-ins over real HTTP: approve / deny, PKCE, single use, rotation."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

pytestmark = pytest.mark.live

REDIRECT = "https://app.example/api/oauth/vk/callback?from=sandbox"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    return verifier, challenge


def authorize_params(challenge: str, state: str = "s" * 32, method: str = "s256") -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": "sandbox-client",
        "redirect_uri": REDIRECT,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": method,
        "scope": "video wall",
    }


def submit(page: requests.Response, decision: str) -> dict[str, list[str]]:
    """Post the approve page's form as a browser would; return the redirect's query."""
    html = page.text
    action = re.search(r'<form method="post" action="([^"]+)"', html)[1]
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }
    fields["account_name"] = "Демо-автор"
    fields["decision"] = decision
    base = page.url.split("/sandbox/")[0]
    answer = requests.post(base + action, data=fields, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith("https://app.example/api/oauth/vk/callback?from=sandbox&")
    return parse_qs(urlsplit(location).query)


def vk_code(sandbox, challenge: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = requests.get(
        f"{sandbox.vk_id_url}/authorize", params=authorize_params(challenge), timeout=10
    )
    return {key: values[0] for key, values in submit(page, "allow").items()}


def vk_exchange(sandbox, back: dict[str, str], verifier: str, **override: str) -> requests.Response:  # type: ignore[no-untyped-def]
    data = {
        "grant_type": "authorization_code",
        "code": back["code"],
        "code_verifier": verifier,
        "client_id": "sandbox-client",
        "device_id": back["device_id"],
        "redirect_uri": REDIRECT,
        "state": back["state"],
        **override,
    }
    return requests.post(f"{sandbox.vk_id_url}/oauth2/auth", data=data, timeout=10)


def test_vk_approve_page_is_a_russian_form(sandbox):
    _, challenge = pkce()

    page = requests.get(
        f"{sandbox.vk_id_url}/authorize", params=authorize_params(challenge), timeout=10
    )

    assert page.status_code == 200
    assert "Разрешить" in page.text and "Отказать" in page.text and "<form" in page.text


def test_vk_approve_exchange_then_use_the_token(sandbox):
    verifier, challenge = pkce()

    back = vk_code(sandbox, challenge)
    tokens = vk_exchange(sandbox, back, verifier)

    assert set(back) == {"from", "code", "state", "device_id", "expires_in", "type"}
    assert back["state"] == "s" * 32
    assert tokens.status_code == 200
    body = tokens.json()
    assert {
        "access_token",
        "refresh_token",
        "id_token",
        "expires_in",
        "user_id",
        "state",
        "token_type",
        "scope",
    } <= set(body)
    assert body["expires_in"] == 3600
    me = requests.post(
        f"{sandbox.vk_api_url}/users.get",
        data={"v": "5.199", "access_token": body["access_token"]},
        timeout=10,
    ).json()
    assert me["response"][0]["id"] == body["user_id"]


def test_vk_deny_redirects_with_access_denied(sandbox):
    _, challenge = pkce()
    page = requests.get(
        f"{sandbox.vk_id_url}/authorize", params=authorize_params(challenge), timeout=10
    )

    back = submit(page, "deny")

    assert back["error"] == ["access_denied"]
    assert back["state"] == ["s" * 32]
    assert "code" not in back


def test_vk_authorize_without_pkce_is_refused(sandbox):
    params = authorize_params("x")
    params["code_challenge_method"] = "plain"

    answer = requests.get(
        f"{sandbox.vk_id_url}/authorize", params=params, allow_redirects=False, timeout=10
    )

    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["invalid_request"]


def test_vk_authorize_without_client_shows_an_error_page(sandbox):
    answer = requests.get(
        f"{sandbox.vk_id_url}/authorize", params={"redirect_uri": REDIRECT}, timeout=10
    )

    assert answer.status_code == 400
    assert "client_id" in answer.text


def test_pkce_mismatch_is_invalid_grant(sandbox):
    _, challenge = pkce()
    other_verifier, _ = pkce()
    back = vk_code(sandbox, challenge)

    answer = vk_exchange(sandbox, back, other_verifier)

    assert answer.status_code == 400
    assert answer.json() == {
        "error": "invalid_grant",
        "error_description": "code_verifier does not match code_challenge",
        "state": "s" * 32,
    }


@pytest.mark.parametrize(
    "override",
    [
        {"redirect_uri": "https://evil.example/cb"},
        {"client_id": "another-client"},
        {"device_id": "other-device"},
    ],
)
def test_exchange_must_match_the_authorization(sandbox, override):
    verifier, challenge = pkce()
    back = vk_code(sandbox, challenge)

    answer = vk_exchange(sandbox, back, verifier, **override)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_code_is_single_use(sandbox):
    verifier, challenge = pkce()
    back = vk_code(sandbox, challenge)

    first = vk_exchange(sandbox, back, verifier)
    second = vk_exchange(sandbox, back, verifier)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["error_description"] == "Code has already been used"


def test_vk_refresh_rotates_the_refresh_token(sandbox):
    verifier, challenge = pkce()
    back = vk_code(sandbox, challenge)
    first = vk_exchange(sandbox, back, verifier).json()
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
        "client_id": "sandbox-client",
        "device_id": back["device_id"],
        "state": "t" * 32,
    }

    renewed = requests.post(f"{sandbox.vk_id_url}/oauth2/auth", data=refresh, timeout=10)
    replayed = requests.post(f"{sandbox.vk_id_url}/oauth2/auth", data=refresh, timeout=10)

    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != first["refresh_token"]
    assert renewed.json()["access_token"] != first["access_token"]
    assert replayed.status_code == 400
    assert replayed.json()["error"] == "invalid_grant"


def test_access_token_expires_and_refresh_gives_a_working_one(sandbox):
    creds = sandbox.control.issue_credentials("vk")
    sandbox.control.advance_clock(3601)
    expired = requests.post(
        f"{sandbox.vk_api_url}/users.get",
        data={"v": "5.199", "access_token": creds["access_token"]},
        timeout=10,
    ).json()

    renewed = requests.post(
        f"{sandbox.vk_id_url}/oauth2/auth",
        data={
            "grant_type": "refresh_token",
            "refresh_token": creds["refresh_token"],
            "client_id": "sandbox-client",
            "device_id": creds["device_id"],
        },
        timeout=10,
    ).json()
    working = requests.post(
        f"{sandbox.vk_api_url}/users.get",
        data={"v": "5.199", "access_token": renewed["access_token"]},
        timeout=10,
    ).json()

    assert expired["error"]["error_code"] == 5
    assert working["response"][0]["id"] == int(creds["account_id"])


def test_yandex_flow_approve_exchange_refresh(sandbox):
    verifier, challenge = pkce()
    params = authorize_params(challenge, method="S256")
    params["scope"] = "zen:write"
    page = requests.get(f"{sandbox.yandex_oauth_url}/authorize", params=params, timeout=10)
    back = {key: values[0] for key, values in submit(page, "allow").items()}
    exchange = {
        "grant_type": "authorization_code",
        "code": back["code"],
        "code_verifier": verifier,
        "client_id": "sandbox-client",
        "client_secret": "sandbox-client",
    }

    tokens = requests.post(f"{sandbox.yandex_oauth_url}/token", data=exchange, timeout=10)
    me = requests.get(
        f"{sandbox.dzen_api_url}/v1/me",
        headers={"Authorization": f"OAuth {tokens.json()['access_token']}"},
        timeout=10,
    )
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": tokens.json()["refresh_token"],
        "client_id": "sandbox-client",
        "client_secret": "sandbox-client",
    }
    renewed = requests.post(f"{sandbox.yandex_oauth_url}/token", data=refresh, timeout=10)
    replayed = requests.post(f"{sandbox.yandex_oauth_url}/token", data=refresh, timeout=10)

    assert set(back) == {"from", "code", "state"}
    assert tokens.status_code == 200
    assert set(tokens.json()) == {"access_token", "refresh_token", "expires_in", "token_type"}
    assert me.status_code == 200 and me.json()["name"] == "Демо-автор"
    assert renewed.status_code == 200
    assert (replayed.status_code, replayed.json()["error"]) == (400, "invalid_grant")


def test_yandex_exchange_without_client_secret_is_invalid_client(sandbox):
    verifier, challenge = pkce()
    page = requests.get(
        f"{sandbox.yandex_oauth_url}/authorize",
        params=authorize_params(challenge, method="S256"),
        timeout=10,
    )
    back = {key: values[0] for key, values in submit(page, "allow").items()}

    answer = requests.post(
        f"{sandbox.yandex_oauth_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": back["code"],
            "code_verifier": verifier,
            "client_id": "sandbox-client",
        },
        timeout=10,
    )

    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


def test_yandex_pkce_mismatch(sandbox):
    _, challenge = pkce()
    wrong, _ = pkce()
    page = requests.get(
        f"{sandbox.yandex_oauth_url}/authorize",
        params=authorize_params(challenge, method="S256"),
        timeout=10,
    )
    back = {key: values[0] for key, values in submit(page, "allow").items()}

    answer = requests.post(
        f"{sandbox.yandex_oauth_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": back["code"],
            "code_verifier": wrong,
            "client_id": "sandbox-client",
            "client_secret": "x",
        },
        timeout=10,
    )

    assert answer.json() == {
        "error": "invalid_grant",
        "error_description": "code_verifier does not match code_challenge",
    }
