"""Browser: every page at 375 px (a phone) and 1366 px (a laptop) — never wider than the
screen, the header's menu collapses on the phone, and publish, cancel and retry work from the
clip page at both widths. With ``SAVE_SCREENSHOTS=1`` (``make screenshots``) the walk refreshes
``docs/screenshots/<page>-<width>.png``."""

from __future__ import annotations

from typing import Any

import pytest

from clipmaker.accounts.models import Plan
from platforms.providers import platform_values
from publishing.models import Publication, PublicationStatus
from tests.browser.pages import creator_with_everything, every_page
from tests.factories import ClipFactory, PlatformConnectionFactory, PublicationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1366, "height": 900}
WIDTHS = [pytest.param(PHONE, id="375"), pytest.param(LAPTOP, id="1366")]


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _fits(page: Any) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def test_every_page_fits_the_screen_at_375_and_1366(sandbox, page, login_as, screenshot, tmp_path):
    user, clip = creator_with_everything(tmp_path)
    login_as(user)
    pages = every_page(user, clip)
    # The login page too, before signing in: a context of its own.
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        for name, url in pages:
            page.goto(url)
            page.wait_for_load_state("networkidle")
            scroll, inner = _fits(page)
            assert scroll <= inner, f"{url} is {scroll} px wide at {inner} px"
            screenshot(page, f"{name}-{size['width']}")


def test_login_page_fits(browser_context, screenshot):
    page = browser_context.new_page()
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        page.goto("/accounts/login/")
        scroll, inner = _fits(page)
        assert scroll <= inner
        screenshot(page, f"login-{size['width']}")


def test_the_phone_header_collapses_behind_the_menu_button(page, login_as):
    expect = _expect()
    user = UserFactory(plan=Plan.PRO)
    page.set_viewport_size(PHONE)
    login_as(user)
    page.goto("/clips/")
    menu = page.get_by_role("button", name="Меню")
    logout = page.get_by_role("button", name="Выйти")

    expect(logout).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(logout).to_be_visible()
    for link in ("Клипы", "Платформы", "Безопасность"):
        box = page.locator("#main-menu").get_by_role("link", name=link).bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 44, f"«{link}» is {box['height']} px tall: too small to tap"
    page.set_viewport_size(LAPTOP)
    expect(menu).to_be_hidden()
    expect(logout).to_be_visible()


@pytest.mark.parametrize("size", WIDTHS)
def test_publish_cancel_and_retry_from_the_clip_page(page, login_as, size):
    expect = _expect()
    user = UserFactory(plan=Plan.PRO)
    for platform in platform_values():
        PlatformConnectionFactory(user=user, platform=platform)
    clip = ClipFactory(owner=user, title="Клип для телефона с длинным названием")
    failed = PublicationFactory(
        clip=clip,
        platform="dzen",
        status=PublicationStatus.FAILED,
        error_message="Дзен временно недоступен (ошибка 503). Повторите позже.",
    )
    page.set_viewport_size(size)
    page.on("dialog", lambda dialog: dialog.accept())  # a confirmation, if any, is accepted
    login_as(user)
    page.goto(f"/clips/{clip.pk}/")

    # Publish to VK now.
    vk = page.locator('#publish-panel .platform-group[data-platform="vk"] input[name=destinations]')
    vk.first.check()
    publish = page.locator("button[name=action][value=now]")
    publish.scroll_into_view_if_needed()
    _assert_tappable(publish, size)
    publish.click()
    vk_row = page.locator('#publications [data-platform="vk"]').first
    expect(vk_row).to_be_visible()
    assert Publication.objects.filter(clip=clip, platform="vk").exists()
    assert _fits(page)[0] <= size["width"]

    # Cancel it while it waits (no worker runs here: it stays queued).
    cancel = vk_row.get_by_role("button", name="Отменить")
    cancel.scroll_into_view_if_needed()
    _assert_tappable(cancel, size)
    cancel.click()
    expect(page.locator('#publications [data-platform="vk"] .badge').first).to_have_text("Отменено")
    assert (
        Publication.objects.filter(clip=clip, platform="vk").latest("created_at").status
        == PublicationStatus.CANCELLED
    )

    # Retry the failed one.
    dzen_row = page.locator(f'#publications [data-publication-id="{failed.pk}"]')
    expect(dzen_row).to_contain_text("Дзен временно недоступен")
    retry = dzen_row.get_by_role("button", name="Повторить")
    retry.scroll_into_view_if_needed()
    _assert_tappable(retry, size)
    retry.click()
    expect(page.locator(".msg.success")).to_contain_text("снова в очереди")
    failed.refresh_from_db()
    assert failed.status == PublicationStatus.QUEUED
    assert _fits(page)[0] <= size["width"]


def _assert_tappable(locator: Any, size: dict[str, int]) -> None:
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], "off the screen"
    if size is PHONE:
        assert box["height"] >= 40, f"{box['height']} px tall: too small to tap"


def test_edit_and_delete_a_clip_on_a_phone(page, login_as):
    expect = _expect()
    user = UserFactory(plan=Plan.PRO)
    clip = ClipFactory(owner=user, title="Старое название")
    page.set_viewport_size(PHONE)
    login_as(user)
    page.goto(f"/clips/{clip.pk}/")

    page.get_by_role("link", name="Изменить").click()
    page.fill("input[name=title]", "Новое название")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("h1")).to_have_text("Новое название")

    page.get_by_role("link", name="Удалить").click()
    expect(page.locator("#clip-delete")).to_contain_text("остаются на платформах")
    page.get_by_role("button", name="Удалить клип").click()
    expect(page.locator(".msg.success")).to_contain_text("удалён")
    assert not user.clips.exists()


# --- resumable uploads in the browser ------------------------------------------------------------

CHUNK = 16 * 1024


@pytest.fixture
def big_video(tmp_path):  # type: ignore[no-untyped-def]
    from clipmaker.clips.demo import make_demo_video

    return make_demo_video(tmp_path / "long.mp4", seconds=2, pad_to_bytes=200 * 1024)


def _patch_offsets(page: Any) -> list[int]:
    offsets: list[int] = []

    def seen(request: Any) -> None:
        if request.method == "PATCH" and "/api/v1/uploads/" in request.url:
            offsets.append(int(request.headers["upload-offset"]))

    page.on("request", seen)
    return offsets


def test_an_upload_cut_mid_way_continues_from_the_stored_offset(
    page, login_as, settings, big_video
):
    from clipmaker.clips.models import ClipUpload

    expect = _expect()
    settings.CLIP_UPLOAD_CHUNK_BYTES = CHUNK
    user = UserFactory(plan=Plan.PRO)
    login_as(user)
    page.goto("/clips/")
    offsets = _patch_offsets(page)
    cut = {"done": False}

    def drop_third_chunk(route: Any) -> None:
        request = route.request
        if (
            request.method == "PATCH"
            and not cut["done"]
            and int(request.headers["upload-offset"]) == 2 * CHUNK
        ):
            cut["done"] = True
            route.abort("connectionreset")
            return
        route.continue_()

    page.route("**/api/v1/uploads/**", drop_third_chunk)
    page.set_input_files("input[name=file]", str(big_video))
    page.fill("input[name=title]", "Загружено с обрывом")
    page.click("form[data-upload-form] button[type=submit]")

    expect(page.locator("h1")).to_have_text("Загружено с обрывом", timeout=30_000)
    clip = user.clips.get()
    assert clip.size_bytes == big_video.stat().st_size
    with clip.file.open("rb") as fh:
        assert fh.read() == big_video.read_bytes()
    assert cut["done"]
    # The chunk that was cut is sent again from where the server stood; nothing from zero.
    assert offsets.count(2 * CHUNK) == 2
    assert offsets.count(0) == 1
    assert ClipUpload.objects.count() == 1


def test_after_a_page_reload_the_same_file_continues_where_it_stopped(
    page, login_as, settings, big_video
):
    from clipmaker.clips.models import ClipUpload

    expect = _expect()
    settings.CLIP_UPLOAD_CHUNK_BYTES = CHUNK
    user = UserFactory(plan=Plan.PRO)
    login_as(user)
    page.goto("/clips/")

    def stall_after_two_chunks(route: Any) -> None:
        request = route.request
        if request.method == "PATCH" and int(request.headers["upload-offset"]) >= 2 * CHUNK:
            route.abort("internetdisconnected")
            return
        route.continue_()

    page.route("**/api/v1/uploads/**", stall_after_two_chunks)
    page.set_input_files("input[name=file]", str(big_video))
    with page.expect_request(
        lambda r: r.method == "PATCH" and r.headers.get("upload-offset") == str(2 * CHUNK)
    ):
        page.click("form[data-upload-form] button[type=submit]")
    assert ClipUpload.objects.get().offset == 2 * CHUNK

    page.reload()
    page.unroute("**/api/v1/uploads/**")
    assert ClipUpload.objects.get().offset == 2 * CHUNK
    expect(page.locator("#unfinished-uploads")).to_contain_text("«long.mp4»")
    offsets = _patch_offsets(page)
    page.set_input_files("input[name=file]", str(big_video))
    page.click("form[data-upload-form] button[type=submit]")

    expect(page.locator("h1")).to_have_text("long", timeout=30_000)
    assert offsets[0] == 2 * CHUNK
    assert ClipUpload.objects.count() == 1
    with user.clips.get().file.open("rb") as fh:
        assert fh.read() == big_video.read_bytes()


def test_a_file_dropped_on_the_form_is_chosen(page, login_as):
    expect = _expect()
    login_as(UserFactory(plan=Plan.PRO))
    page.goto("/clips/")

    page.evaluate(
        """() => {
          const data = new DataTransfer();
          data.items.add(new File([new Uint8Array(2048)], "перетащенный.mp4", {type: "video/mp4"}));
          const zone = document.querySelector("[data-drop-zone]");
          zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true, cancelable: true}));
          zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
        }"""
    )

    expect(page.locator("[data-drop-chosen]")).to_contain_text("перетащенный.mp4")
    assert page.evaluate("document.querySelector('input[name=file]').files[0].name") == (
        "перетащенный.mp4"
    )
