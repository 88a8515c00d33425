"""The first hour: a new user is led connect → upload → publish, every place the panel cannot
publish to says why with a link to fix it, and the buttons are off (with the reason) when
nothing can be published."""

from __future__ import annotations

import re

import pytest

from clipmaker.accounts.models import Plan
from clipmaker.clips.models import ClipStatus
from platforms.constants import Platform
from platforms.models import ConnectionStatus
from publishing.models import PublicationStatus
from tests.factories import ClipFactory, PlatformConnectionFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def _steps(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-step="(\w+)" data-done="(\w+)"', page))


def _option(body: str, platform: str) -> str:
    start = body.index(f'data-platform="{platform}"')
    end = body.find('class="platform-group"', start + 1)
    return body[start : end if end != -1 else len(body)]


# --- the guide ----------------------------------------------------------------------------------


def test_a_new_user_sees_the_three_steps_on_the_clip_list_and_the_settings(client_in):
    for url in ("/clips/", "/settings/platforms/"):
        page = client_in.get(url).content.decode()
        assert 'data-testid="first-steps"' in page, url
        assert _steps(page) == {"connect": "false", "upload": "false", "publish": "false"}
        assert 'href="/settings/platforms/" class="button primary"' in page


def test_after_connecting_the_next_step_is_the_upload(client_in, connected):
    page = client_in.get("/clips/").content.decode()
    assert _steps(page) == {"connect": "true", "upload": "false", "publish": "false"}
    assert 'href="/clips/#upload" class="button primary"' in page


def test_with_a_ready_clip_the_last_step_leads_to_it(client_in, connected, clip):
    page = client_in.get("/clips/").content.decode()
    assert _steps(page)["publish"] == "false"
    assert f'href="/clips/{clip.pk}/" class="button primary"' in page


def test_a_revoked_or_switched_off_connection_is_not_a_done_step(client_in, user):
    PlatformConnectionFactory(user=user, platform=Platform.VK, status=ConnectionStatus.EXPIRED)
    page = client_in.get("/clips/").content.decode()
    assert _steps(page)["connect"] == "false"


def test_the_guide_is_gone_after_the_first_publication(client_in, connected, clip):
    PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.PUBLISHED)
    for url in ("/clips/", "/settings/platforms/"):
        assert 'data-testid="first-steps"' not in client_in.get(url).content.decode()


# --- the publish panel --------------------------------------------------------------------------


def test_nothing_connected_disables_the_buttons_with_the_reason_and_a_link(client_in, clip):
    page = client_in.get(f"/clips/{clip.pk}/").content.decode()

    assert 'value="now" class="primary" disabled aria-describedby="publish-blocked"' in page
    assert 'value="schedule" disabled aria-describedby="publish-blocked"' in page
    blocked = page[page.index('id="publish-blocked"') :]
    assert "Публиковать пока некуда: подключите хотя бы одну платформу." in blocked
    # Every platform shows a disabled checkbox with its own way to connect.
    for platform, href in [
        ("vk", "/settings/platforms/#platform-vk"),
        ("rutube", "/settings/platforms/rutube/connect/"),
        ("telegram", "/settings/platforms/telegram/connect/"),
        ("dzen", "/settings/platforms/#platform-dzen"),
    ]:
        option = _option(page, platform)
        assert 'type="checkbox" disabled' in option, platform
        assert f'<a href="{href}" class="fix-link"' in option, platform


def test_an_expired_connection_links_to_reconnect_it(client_in, user, clip, connected):
    type(connected["vk"]).objects.filter(pk=connected["vk"].pk).update(
        status=ConnectionStatus.EXPIRED
    )

    option = _option(client_in.get(f"/clips/{clip.pk}/").content.decode(), "vk")

    assert " disabled" in option
    assert '<a href="/settings/platforms/#platform-vk" class="fix-link"' in option
    assert "Переподключить VK →" in option


def test_a_platform_outside_the_plan_links_to_the_plans(client, user, clip, connected):
    user.plan = Plan.START
    user.save()
    client.force_login(user)

    page = client.get(f"/clips/{clip.pk}/").content.decode()

    option = _option(page, "telegram")
    assert '<a href="/settings/platforms/#plan" class="fix-link"' in option
    # VK is still allowed: the buttons stay on.
    assert 'id="publish-blocked"' not in page


def test_a_clip_too_big_for_a_platform_has_no_fix_link(client_in, user, connected):
    big = ClipFactory(owner=user, size_bytes=60 * 1024 * 1024)
    option = _option(client_in.get(f"/clips/{big.pk}/").content.decode(), "telegram")
    assert " disabled" in option and "fix-link" not in option


def test_a_clip_being_checked_disables_the_buttons(client_in, user, connected):
    checking = ClipFactory(owner=user, status=ClipStatus.PROCESSING)
    page = client_in.get(f"/clips/{checking.pk}/").content.decode()
    assert 'id="publish-blocked"' in page
    assert "Файл ещё проверяется" in page


def test_with_every_place_ready_the_buttons_are_on(client_in, clip, connected):
    page = client_in.get(f"/clips/{clip.pk}/").content.decode()
    assert 'id="publish-blocked"' not in page
    assert 'value="now" class="primary">' in page
