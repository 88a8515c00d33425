"""A new user connects VK with a token they made themselves (no VK ID) and publishes, over real
HTTP against the sandbox: the connect page's link leads to the sandbox's implicit-flow page,
«Разрешить» ends on blank.html with the token in the address, the user pastes that address, and
a clip goes out with the pasted token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms.models import PlatformConnection
from platforms.sandbox.tokens import verify_token
from publishing.attempt import publication_execute
from publishing.models import Publication, PublicationStatus
from publishing.processing import publication_check
from tests.factories import ClipFactory, UserFactory

pytestmark = pytest.mark.live


@pytest.fixture
def new_user(sandbox: Any) -> Any:
    return UserFactory(plan=Plan.START)  # VK only: the plan every paying user has


@pytest.fixture
def browser(new_user: Any, sandbox: Any, live_server: Any) -> Iterator[requests.Session]:
    client = Client()
    client.force_login(new_user)
    with requests.Session() as session:
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
        yield session


def approve(session: requests.Session, link: str, decision: str = "allow") -> str:
    """Answer the sandbox's approve page; the address VK sends the browser to."""
    page = session.get(link, timeout=10)
    assert "Разрешить" in page.text, page.text[:300]
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    fields = {
        k: unescape(v)
        for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    }
    fields.update({"decision": decision, "account_name": "Анна Клипова"})
    origin = re.match(r"https?://[^/]+", link).group(0)
    answer = session.post(origin + action, data=fields, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return answer.headers["Location"]


def token_link(session: requests.Session, base: str) -> str:
    page = session.get(f"{base}/settings/platforms/vk/connect/", timeout=10).text
    return unescape(re.search(r'href="([^"]+)"[^>]*data-testid="vk-token-link"', page).group(1))


def paste(session: requests.Session, base: str, text: str) -> requests.Response:
    url = f"{base}/settings/platforms/vk/connect/"
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(url).text)
    return session.post(
        url,
        data={"csrfmiddlewaretoken": csrf.group(1), "method": "token", "token": text},
        headers={"Referer": url},
        timeout=10,
    )


def test_the_sandbox_gives_a_user_token_with_its_lifetime_in_the_address(
    sandbox, live_server, browser
):
    link = token_link(browser, live_server.url)

    address = approve(browser, link)

    assert address.startswith(f"{sandbox.url}/vk/oauth/blank.html#")
    answer = {k: v[0] for k, v in parse_qs(urlsplit(address).fragment).items()}
    assert set(answer) == {"access_token", "expires_in", "user_id"}
    assert answer["expires_in"] == "86400"
    claims = verify_token(answer["access_token"], platform="vk")
    assert claims.account == answer["user_id"]
    assert browser.get(address, timeout=10).status_code == 200  # the blank page itself


def test_denying_on_the_sandbox_token_page_gives_an_error_in_the_address(live_server, browser):
    address = approve(browser, token_link(browser, live_server.url), decision="deny")

    assert "#error=access_denied" in address


def test_a_new_user_connects_vk_with_a_pasted_token_and_publishes(
    sandbox, live_server, browser, new_user, settings
):
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    sandbox.control.set_processing_seconds(0)
    address = approve(browser, token_link(browser, live_server.url))

    final = paste(browser, live_server.url, address)

    conn = PlatformConnection.objects.get(user=new_user, platform="vk")
    assert final.url == f"{live_server.url}/settings/platforms/connections/{conn.pk}/places/"
    assert "VK подключён как Анна Клипова." in final.text
    assert conn.refresh_token_sealed == "" and conn.expires_at is not None
    assert 23.9 * 3600 < (conn.expires_at - timezone.now()).total_seconds() <= 24 * 3600
    checks = [e["method"] for e in sandbox.control.journal("vk")]
    assert checks[:2] == ["users.get", "groups.get"]  # verified before it was saved

    clip = ClipFactory(owner=new_user)
    page = browser.get(f"{live_server.url}/clips/{clip.pk}/", timeout=10).text
    place = re.search(r'name="destinations" value="(\d+)"', page).group(1)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    sent = browser.post(
        f"{live_server.url}/clips/{clip.pk}/publish/",
        data={
            "csrfmiddlewaretoken": csrf,
            "destinations": place,
            "title": "Закат",
            "description": "",
            "action": "now",
        },
        headers={"Referer": f"{live_server.url}/clips/{clip.pk}/"},
        timeout=10,
    )
    assert sent.status_code == 200, sent.text[:300]
    pub = Publication.objects.get(clip=clip)
    publication_execute(publication_id=pub.pk)
    for _ in range(20):
        pub.refresh_from_db()
        if pub.status != PublicationStatus.PUBLISHING:
            break
        Publication.objects.filter(pk=pub.pk).update(next_attempt_at=timezone.now())
        publication_check(publication_id=pub.pk)

    assert pub.status == PublicationStatus.PUBLISHED, pub.error_message
    assert pub.platform_url
    (video,) = sandbox.control.videos("vk")
    assert str(video["owner_id"]) == conn.account_id
