"""End-to-end connections against the platform sandbox over real HTTP.

A ``requests`` session carries the user's Django session cookie: it presses «Подключить» on the
settings page, answers the sandbox's approve page («Разрешить» / «Отказать») and follows the
redirect back to our callback, exactly as a browser would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
import requests
from django.test import Client

from clipmaker.accounts.models import Plan
from platforms import connect, services
from platforms.models import ConnectionStatus, PlatformConnection
from tests.factories import PlatformConnectionFactory, UserFactory

pytestmark = pytest.mark.live


@pytest.fixture
def pro_user(sandbox: Any) -> Any:
    return UserFactory(plan=Plan.PRO)


@pytest.fixture
def browser_session(pro_user: Any, sandbox: Any, live_server: Any) -> Iterator[requests.Session]:
    client = Client()
    client.force_login(pro_user)
    # Closed at the end: a kept-alive connection would pin a live-server thread and its
    # database session past the test.
    with requests.Session() as session:
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
        yield session


def csrf_of(session: requests.Session, url: str) -> str:
    html = session.get(url, timeout=10).text
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def press_connect(session: requests.Session, base: str, platform: str) -> str:
    token = csrf_of(session, f"{base}/settings/platforms/")
    response = session.post(
        f"{base}/settings/platforms/{platform}/connect/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/settings/platforms/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def answer_approve_page(
    session: requests.Session, authorize_url: str, decision: str, account_name: str
) -> requests.Response:
    page = session.get(authorize_url, timeout=10)
    assert "Разрешить" in page.text and "Отказать" in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields = {k: unescape(v) for k, v in fields.items()}
    fields.update({"decision": decision, "account_name": account_name})
    origin = re.match(r"https?://[^/]+", authorize_url).group(0)
    # Follows the redirect to /api/oauth/<platform>/callback and on to the settings page.
    return session.post(origin + action, data=fields, timeout=10)


@pytest.mark.parametrize(
    ("platform", "label"), [("vk", "VK подключён"), ("dzen", "Дзен подключён")]
)
def test_oauth_connect_through_the_sandbox_approve_page(
    platform, label, sandbox, live_server, browser_session, pro_user
):
    authorize_url = press_connect(browser_session, live_server.url, platform)
    assert authorize_url.startswith(f"{sandbox.url}/")

    final = answer_approve_page(browser_session, authorize_url, "allow", "Анна Клипова")

    conn = PlatformConnection.objects.get(user=pro_user, platform=platform)
    if platform == "vk":  # VK lists the communities to choose from next
        assert final.url == f"{live_server.url}/settings/platforms/connections/{conn.pk}/places/"
        assert "Песочница: сообщество 1" in final.text
    else:
        assert final.url == f"{live_server.url}/settings/platforms/"
    assert f"{label} как Анна Клипова." in final.text
    # The account's own place (VK's page, Дзен's channel) is added with the connection.
    (own,) = conn.destinations.all()
    assert (own.external_id, own.name) == (conn.account_id, "Анна Клипова")
    assert conn.status == ConnectionStatus.ACTIVE
    assert conn.account_name == "Анна Клипова"
    assert conn.refresh_token_sealed and conn.expires_at is not None
    if platform == "vk":
        assert conn.extra["device_id"]
    # The stored token works against the platform.
    ok, detail = services.connection_test(connection=conn)
    assert ok, detail


def test_denying_on_the_sandbox_approve_page_stores_nothing(
    sandbox, live_server, browser_session, pro_user
):
    authorize_url = press_connect(browser_session, live_server.url, "vk")

    final = answer_approve_page(browser_session, authorize_url, "deny", "Анна")

    assert final.url == f"{live_server.url}/settings/platforms/"
    assert "Вы не разрешили доступ к VK" in final.text
    assert not PlatformConnection.objects.filter(user=pro_user).exists()


def test_refresh_rotates_tokens_with_the_sandbox_and_old_refresh_token_dies(sandbox, pro_user):
    creds = sandbox.control.issue_credentials("vk")
    conn = services.connection_store(
        user=pro_user,
        platform="vk",
        access_token=creds["access_token"],
        refresh_token=creds["refresh_token"],
        account_id=creds["account_id"],
        account_name=creds["account_name"],
        extra={"device_id": creds["device_id"]},
    )

    fresh = services.connection_refresh(connection=conn)

    assert fresh.get_token("refresh_token") != creds["refresh_token"]
    assert fresh.get_token("access_token") != creds["access_token"]
    ok, detail = services.connection_test(connection=fresh)
    assert ok, detail
    # Someone replaying the old refresh token is refused (rotation): the next refresh with
    # a stale copy forced through marks the connection expired.
    stale = PlatformConnection.objects.get(pk=conn.pk)
    stale.set_token("refresh_token", creds["refresh_token"])
    stale.save(update_fields=["refresh_token_sealed"])
    with pytest.raises(services.ConnectionRefreshFailed):
        services.connection_refresh(connection=stale, force=True)
    assert PlatformConnection.objects.get(pk=conn.pk).status == ConnectionStatus.EXPIRED


@pytest.mark.parametrize(
    ("scenario", "fragment"),
    [
        ("chat_not_found", "не найден"),
        ("group", "не канал"),
        ("not_admin", "не администратор"),
        ("cannot_post", "Публикация сообщений"),
    ],
)
def test_telegram_channel_problems_are_explained(sandbox, pro_user, scenario, fragment):
    creds = sandbox.control.issue_credentials("telegram", scenario=scenario)

    with pytest.raises(connect.ConnectionRejected) as info:
        connect.connection_connect_token(
            user=pro_user,
            platform="telegram",
            values={"token": creds["token"], "chat_id": creds["chat_id"]},
        )

    assert fragment in info.value.message
    assert info.value.field == "chat_id"
    assert not PlatformConnection.objects.exists()


def test_telegram_and_rutube_connect_with_sandbox_credentials(sandbox, pro_user):
    tg = sandbox.control.issue_credentials("telegram")
    rt = sandbox.control.issue_credentials("rutube", account_name="Rutube Анны")

    tg_conn = connect.connection_connect_token(
        user=pro_user, platform="telegram", values={"token": tg["token"], "chat_id": tg["chat_id"]}
    )
    rt_conn = connect.connection_connect_token(
        user=pro_user, platform="rutube", values={"token": rt["token"]}
    )

    assert tg_conn.status == rt_conn.status == ConnectionStatus.ACTIVE
    assert tg_conn.account_id == str(tg["bot_id"])
    (channel,) = tg_conn.destinations.all()
    assert channel.extra["chat_id"] == tg["chat"]["id"]
    assert rt_conn.get_token("access_token") == rt["token"]
    assert rt_conn.destinations.get().kind == "channel"


def test_revoked_telegram_token_fails_the_check_and_marks_expired(sandbox, pro_user):
    conn = PlatformConnectionFactory(
        user=pro_user, platform="telegram", tokens=("999:AAnotARealBotTokenAtAll0123456", None)
    )

    ok, detail = services.connection_test(connection=conn)

    assert not ok
    assert "@BotFather" in detail
    assert PlatformConnection.objects.get(pk=conn.pk).status == ConnectionStatus.EXPIRED


@pytest.mark.parametrize(
    ("platform", "fields"), [("rutube", {"token"}), ("telegram", {"token", "chat_id"})]
)
def test_a_new_user_connects_a_token_platform_with_test_data_the_page_issues(
    platform, fields, sandbox, live_server, browser_session, pro_user
):
    base = f"{live_server.url}/settings/platforms/{platform}"
    token = csrf_of(browser_session, f"{base}/connect/")
    issued = browser_session.post(
        f"{base}/sandbox-credentials/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/connect/"},
        timeout=10,
    )
    assert issued.status_code == 200
    box = issued.text[issued.text.index('data-testid="sandbox-box"') :]
    box = box[: box.index("</div>")]
    # The main form, where a pasted token goes, arrives filled in with the test data, so its
    # own button («Проверить и подключить») connects.
    main_form = re.search(
        r'<form method="post" action="([^"]+)" novalidate>(.*?)</form>', issued.text, re.S
    )
    assert main_form and main_form.group(1) == f"/settings/platforms/{platform}/connect/"
    filled = dict(
        re.findall(r'<input type="(?:password|text)" name="([^"]+)" value="([^"]*)"', main_form[2])
    )
    credentials = {k: unescape(v) for k, v in filled.items()}
    assert set(credentials) == fields
    assert all(credentials.values())
    assert credentials["token"] in unescape(box)  # shown, so it can be pasted by hand too
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', main_form[2])[1]

    final = browser_session.post(
        f"{base}/connect/",
        data={"csrfmiddlewaretoken": csrf, **credentials},
        headers={"Referer": f"{base}/connect/"},
        timeout=10,
    )

    assert final.url == f"{live_server.url}/settings/platforms/"
    conn = PlatformConnection.objects.get(user=pro_user, platform=platform)
    expected = {
        # Rutube's token check names no account until the channel has videos.
        "rutube": "Rutube подключён.",
        "telegram": f"Telegram подключён как {conn.account_name}.",
    }[platform]
    assert expected in unescape(final.text)
    assert conn.status == ConnectionStatus.ACTIVE
    assert conn.get_token("access_token") == credentials["token"]
    # The sandbox really was asked: the connection verified the token over HTTP.
    assert sandbox.control.journal(platform)


@pytest.mark.django_db
def test_test_data_is_only_offered_with_the_sandbox_on(settings):
    user = UserFactory(plan=Plan.PRO)
    client = Client()
    client.force_login(user)
    page = client.get("/settings/platforms/rutube/connect/").content.decode()
    assert "Выдать тестовые данные" in page
    # OAuth platforms connect through the sandbox's approve page instead.
    assert client.post("/settings/platforms/vk/sandbox-credentials/").status_code == 404

    settings.PLATFORM_SANDBOX = False
    page = client.get("/settings/platforms/rutube/connect/").content.decode()

    assert "Выдать тестовые данные" not in page
    assert client.post("/settings/platforms/rutube/sandbox-credentials/").status_code == 404
    assert not PlatformConnection.objects.exists()
