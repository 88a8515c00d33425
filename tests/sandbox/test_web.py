"""Post links open the sandbox's watch pages, so a link in the product works on one machine."""

from __future__ import annotations

import io
import re

import pytest
import requests
from django.utils import timezone

from platforms.providers import get_provider
from platforms.providers.base import ClipFile, Credentials, PublishMeta
from tests.factories import TINY_MP4

pytestmark = pytest.mark.live


def clip_file() -> ClipFile:
    return ClipFile(name="clip.mp4", size=len(TINY_MP4), open=lambda: io.BytesIO(TINY_MP4))


def test_vk_clip_link_opens_a_page_with_the_post(sandbox):
    creds = sandbox.control.issue_credentials("vk", account_name="Автор")
    result = get_provider("vk").publish(
        credentials=Credentials(
            access_token=creds["access_token"], extra={"device_id": creds["device_id"]}
        ),
        clip=clip_file(),
        meta=PublishMeta(title="Клип для ссылки", description=""),
        resume=None,
        progress=lambda n: None,
        on_handle=lambda h: None,
    )
    assert result.url.startswith(f"{sandbox.url}/web/vk/clip")
    page = requests.get(result.url, timeout=5)
    assert page.status_code == 200
    assert "Клип для ссылки" in page.text
    # The creation time is in the product's time zone and names it (not a bare "UTC").
    zone = timezone.localtime().tzname()
    assert re.search(rf"<dt>Создано</dt><dd>[\d.: ]+ {zone}</dd>", page.text)


def test_telegram_public_link_opens_the_post(sandbox):
    creds = sandbox.control.issue_credentials("telegram")
    result = get_provider("telegram").publish(
        credentials=Credentials(access_token=creds["token"], extra={"chat_id": creds["chat_id"]}),
        clip=clip_file(),
        meta=PublishMeta(title="Пост в канале", description=""),
        resume=None,
        progress=lambda n: None,
        on_handle=lambda h: None,
    )
    assert result.url.startswith(f"{sandbox.url}/web/telegram/")
    page = requests.get(result.url, timeout=5)
    assert page.status_code == 200
    assert "Пост в канале" in page.text


def test_unknown_post_is_404(sandbox):
    page = requests.get(f"{sandbox.url}/web/rutube/video/0123456789abcdef/", timeout=5)
    assert page.status_code == 404
    assert "Публикация не найдена" in page.text
