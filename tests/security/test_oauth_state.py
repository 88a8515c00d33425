"""OAuth state attacks against the real flow and the sandbox over HTTP: a forged, replayed,
expired, another user's or the other platform's state is refused, and the platform's token
endpoint is never called (the sandbox's journal shows zero code exchanges)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.test import Client

from clipmaker.accounts.models import Plan
from platforms.models import PlatformConnection
from tests.connections.test_sandbox_flows import answer_approve_page, press_connect
from tests.factories import UserFactory

pytestmark = pytest.mark.live

TOKEN_ENDPOINTS = (("vkid", "token"), ("yandex", "token"))


def exchanges(control: Any) -> int:
    return sum(len(control.journal(platform, method)) for platform, method in TOKEN_ENDPOINTS)


def session_of(user: Any) -> requests.Session:
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


@pytest.fixture
def alice(sandbox: Any) -> Iterator[requests.Session]:
    with session_of(UserFactory(username="alice", plan=Plan.PRO)) as session:
        yield session


@pytest.fixture
def mallory(sandbox: Any) -> Iterator[requests.Session]:
    with session_of(UserFactory(username="mallory", plan=Plan.PRO)) as session:
        yield session


def approved_callback(session: requests.Session, base: str, platform: str) -> dict[str, str]:
    """Press «Подключить», approve on the sandbox, and stop before our callback is called:
    the callback's query (code, state, ...) as the platform sent it."""
    authorize = press_connect(session, base, platform)
    answer = answer_approve_page_no_follow(session, authorize)
    location = answer.headers["Location"]
    assert f"/api/oauth/{platform}/callback" in location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def answer_approve_page_no_follow(session: requests.Session, authorize: str) -> Any:
    original = session.post

    def post(*args: Any, **kwargs: Any) -> Any:
        kwargs["allow_redirects"] = False
        return original(*args, **kwargs)

    session.post = post  # type: ignore[method-assign]
    try:
        return answer_approve_page(session, authorize, "allow", "Анна")
    finally:
        session.post = original  # type: ignore[method-assign]


def callback(session: requests.Session, base: str, platform: str, query: dict[str, str]) -> str:
    answer = session.get(
        f"{base}/api/oauth/{platform}/callback?{urlencode(query)}", allow_redirects=True, timeout=10
    )
    assert answer.status_code == 200
    return answer.text


def test_a_forged_state_is_refused_before_any_exchange(sandbox, live_server, alice):
    query = approved_callback(alice, live_server.url, "vk")
    query["state"] = secrets.token_urlsafe(32)

    page = callback(alice, live_server.url, "vk", query)

    assert "устарела или уже использована" in page
    assert exchanges(sandbox.control) == 0
    assert not PlatformConnection.objects.exists()


def test_a_replayed_state_works_once_only(sandbox, live_server, alice):
    query = approved_callback(alice, live_server.url, "dzen")
    callback(alice, live_server.url, "dzen", query)
    assert exchanges(sandbox.control) == 1  # the real one

    callback(alice, live_server.url, "dzen", query)

    assert exchanges(sandbox.control) == 1
    assert PlatformConnection.objects.count() == 1


def test_an_expired_state_is_refused(sandbox, live_server, alice, monkeypatch):
    from django.utils import timezone

    from platforms import oauth

    query = approved_callback(alice, live_server.url, "vk")
    later = timezone.now() + timezone.timedelta(seconds=oauth.STATE_TTL_SECONDS + 5)
    monkeypatch.setattr(oauth.timezone, "now", lambda: later)

    callback(alice, live_server.url, "vk", query)

    assert exchanges(sandbox.control) == 0
    assert not PlatformConnection.objects.exists()


def test_another_users_state_is_refused_and_burnt(sandbox, live_server, alice, mallory):
    query = approved_callback(alice, live_server.url, "vk")

    callback(mallory, live_server.url, "vk", query)  # a link sent to someone else
    callback(alice, live_server.url, "vk", query)  # and it cannot be used afterwards either

    assert exchanges(sandbox.control) == 0
    assert not PlatformConnection.objects.exists()


def test_a_state_of_one_platform_is_refused_on_the_others_callback(sandbox, live_server, alice):
    query = approved_callback(alice, live_server.url, "vk")

    callback(alice, live_server.url, "dzen", query)

    assert exchanges(sandbox.control) == 0
    assert not PlatformConnection.objects.exists()


def test_a_callback_without_login_exchanges_nothing(sandbox, live_server, alice):
    query = approved_callback(alice, live_server.url, "vk")
    with requests.Session() as anonymous:
        answer = anonymous.get(
            f"{live_server.url}/api/oauth/vk/callback?{urlencode(query)}",
            allow_redirects=False,
            timeout=10,
        )
    assert answer.status_code == 302
    assert "/accounts/login/" in answer.headers["Location"]
    assert exchanges(sandbox.control) == 0
