"""Notifications and the first hour in Chromium: a publication that fails for good rings the
bell (in-app) and sends one letter (the console e-mail backend, in the worker's output); a new
user is led connect → upload → publish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clipmaker.accounts.models import Plan
from clipmaker.clips.demo import make_demo_video
from clipmaker.clips.services import clip_import_path
from platforms.constants import Platform
from platforms.sandbox.demo import connect_demo_user
from tests.browser.test_clips import PUBLISH_TIMEOUT_MS, _check, _expect, _row
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.live]


@pytest.fixture
def creator(sandbox: Any) -> Any:
    """A Pro user with the demo's six sandbox places and an e-mail address."""
    user = UserFactory(username="creator", plan=Plan.PRO, email="demo@example.ru")
    connect_demo_user(user)
    return user


@pytest.fixture
def creator_clip(creator: Any, tmp_path: Path) -> Any:
    video = make_demo_video(tmp_path / "clip.mp4", seconds=2)
    return clip_import_path(owner=creator, path=video, title="Закат над Волгой", description="")


def test_a_failure_rings_the_bell_and_sends_one_letter(
    sandbox, worker_factory, creator, creator_clip, login_as, screenshot
):
    expect = _expect()
    worker = worker_factory(
        NOTIFICATION_DIGEST_SECONDS=1,
        env={"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
    )
    sandbox.control.inject(
        "dzen", "http_error", count=1, status=400, message="Видео не прошло проверку"
    )
    page = login_as(creator)
    page.goto(f"/clips/{creator_clip.pk}/")

    _check(page, Platform.DZEN)
    page.click("button[name=action][value=now]")
    expect(_row(page, Platform.DZEN).locator(".badge")).to_have_text(
        "Ошибка", timeout=PUBLISH_TIMEOUT_MS
    )

    page.goto("/clips/")
    expect(page.locator("[data-testid=bell-count]")).to_have_text("1")
    page.locator("[data-testid=bell]").click()
    page.wait_for_url("**/notifications/")
    note = page.locator(".notification").first
    expect(note).to_contain_text("Не удалось опубликовать «Закат над Волгой» в Дзен")
    screenshot(page, "notifications")
    note.get_by_role("button", name="Открыть").click()
    page.wait_for_url(f"**/clips/{creator_clip.pk}/")
    expect(page.locator("[data-testid=bell-count]")).to_have_count(0)

    # One letter, printed by the console backend in the worker that sent it.
    worker.wait_for(lambda: "To: demo@example.ru" in worker.log, timeout=30)
    assert worker.log.count("To: demo@example.ru") == 1
    assert "Закат над Волгой" in worker.log


def test_a_new_user_is_led_from_nothing_to_the_publish_button(login_as, screenshot):
    expect = _expect()
    page = login_as(UserFactory(username="newcomer"))
    page.goto("/clips/")

    steps = page.locator("[data-testid=first-steps]")
    expect(steps).to_be_visible()
    screenshot(page, "first-steps")
    steps.get_by_role("link", name="Платформы →").click()
    page.wait_for_url("**/settings/platforms/")
    expect(page.locator("[data-testid=first-steps]")).to_be_visible()
