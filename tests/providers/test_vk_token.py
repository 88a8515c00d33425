"""VK without an approved app: the token a person makes and pastes.

Given what the person pasted (the whole blank.html address, its fragment or the bare token),
the adapter reads the token and its lifetime without asking VK; verifying a pasted token asks
``users.get`` and ``groups.get`` (the token must reach the user's communities).
"""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import responses

from platforms.providers import ConnectInputInvalid, Credentials, PermanentError, get_provider
from platforms.providers.vk import VKProvider
from tests.fixtures.platform_urls import fake_url

VK_API = fake_url("VK_API_URL")
TOKEN = "vk1.a.Ab3dEf-gh_IjKlMnOpQrStUvWxYz0123456789abcdefXYZ"
PASTED = Credentials(access_token=TOKEN, extra={"token_source": "pasted"})
USER = {"response": [{"id": 777, "first_name": "Анна", "last_name": "Клипова"}]}
GROUPS = {"response": {"count": 1, "items": [{"id": 5, "name": "Кухня", "screen_name": "k"}]}}


def read(text: str) -> tuple[str, dict]:
    return VKProvider.connect_input({"token": text})


def test_the_whole_blank_page_address_gives_the_token_and_its_lifetime():
    token, extra = read(
        f"https://oauth.vk.com/blank.html#access_token={TOKEN}&expires_in=86400&user_id=777"
    )

    assert token == TOKEN
    assert extra == {"token_source": "pasted", "expires_in": 86400}


@pytest.mark.parametrize(
    "text",
    [
        f"access_token={TOKEN}&expires_in=86400&user_id=777",
        f"#access_token={TOKEN}&expires_in=86400&user_id=777",
        f"  oauth.vk.com/blank.html#access_token={TOKEN}&expires_in=86400\n&user_id=777 ",
    ],
    ids=["fragment", "fragment-with-hash", "no-scheme-with-spaces"],
)
def test_parts_of_the_address_are_read_too(text):
    assert read(text) == (TOKEN, {"token_source": "pasted", "expires_in": 86400})


def test_a_bare_token_has_no_known_lifetime():
    assert read(f"  {TOKEN}\n") == (TOKEN, {"token_source": "pasted"})


def test_an_offline_token_with_zero_lifetime_never_expires():
    _token, extra = read(f"https://oauth.vk.com/blank.html#access_token={TOKEN}&expires_in=0")

    assert extra["expires_in"] == 0  # expires_at_from(0) is None: no expiry


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("", "required", "Вставьте токен VK"),
        (
            "https://oauth.vk.com/blank.html#error=access_denied&error_description=User+denied",
            "access_denied",
            "VK не выдал токен",
        ),
        (
            "https://oauth.vk.com/blank.html#expires_in=86400&access_token=",
            "no_token",
            "нет токена",
        ),
        ('"токен"', "invalid_token", "не похоже на токен VK"),
        (
            f"https://oauth.vk.com/blank.html#access_token={TOKEN}&expires_in=soon",
            "expires_in",
            "срок действия",
        ),
    ],
    ids=["empty", "denied", "no-token", "junk", "bad-expiry"],
)
def test_malformed_input_is_refused_with_what_to_do(text, code, fragment):
    with pytest.raises(ConnectInputInvalid) as info:
        read(text)

    assert (info.value.field, info.value.code) == ("token", code)
    assert fragment in info.value.message


@responses.activate
def test_a_pasted_token_is_verified_with_users_get_and_groups_get(settings):
    settings.VK_API_VERSION = "5.199"
    responses.post(f"{VK_API}/users.get", json=USER)
    responses.post(f"{VK_API}/groups.get", json=GROUPS)

    info = get_provider("vk").verify(credentials=PASTED)

    assert (info.account_id, info.account_name) == ("777", "Анна Клипова")
    groups = responses.calls[1].request
    assert parse_qs(groups.body) == {
        "filter": ["admin,editor"],
        "extended": ["1"],
        "count": ["1"],
        "v": ["5.199"],
    }
    assert groups.headers["Authorization"] == f"Bearer {TOKEN}"


@responses.activate
def test_a_vk_id_token_is_checked_with_users_get_alone():
    responses.post(f"{VK_API}/users.get", json=USER)

    get_provider("vk").verify(credentials=Credentials(access_token=TOKEN, extra={}))

    assert [c.request.url.rsplit("/", 1)[1] for c in responses.calls] == ["users.get"]


@pytest.mark.parametrize("code", [7, 15])
@responses.activate
def test_a_pasted_token_without_the_groups_scope_says_which_rights_to_grant(code):
    responses.post(f"{VK_API}/users.get", json=USER)
    responses.post(
        f"{VK_API}/groups.get", json={"error": {"error_code": code, "error_msg": "Access denied"}}
    )

    with pytest.raises(PermanentError) as info:
        get_provider("vk").verify(credentials=PASTED)

    assert info.value.code == "scope"
    assert "video, wall, groups, offline" in str(info.value)
    assert TOKEN not in repr(info.value)


def test_the_token_link_asks_for_the_four_scopes_and_ends_on_the_blank_page(settings):
    settings.VK_OAUTH_URL = "https://oauth.vk.com"
    settings.VK_API_VERSION = "5.199"

    link = get_provider("vk").token_link("51234567")  # type: ignore[attr-defined]

    base, query = link.split("?", 1)
    assert base == "https://oauth.vk.com/authorize"
    assert parse_qs(query) == {
        "client_id": ["51234567"],
        "display": ["page"],
        "redirect_uri": ["https://oauth.vk.com/blank.html"],
        "scope": ["video,wall,groups,offline"],
        "response_type": ["token"],
        "v": ["5.199"],
    }
