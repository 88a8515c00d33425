"""What the platforms received, what the publication says was sent and what the preview showed
are one text: the adapters' ``text_sent`` rule, checked end to end through the sandbox."""

from __future__ import annotations

import pytest

from clipmaker.accounts.models import Plan
from platforms.constants import Platform
from publishing.attempt import publication_execute
from publishing.models import Publication
from publishing.services import publication_create
from publishing.texts import text_previews
from tests.factories import ClipFactory, UserFactory
from tests.publishing.conftest import sandbox_connection

pytestmark = [pytest.mark.integration, pytest.mark.live]

ALL = [Platform.VK, Platform.RUTUBE, Platform.DZEN, Platform.TELEGRAM]
TITLE = "Заголовок, который длиннее, чем берёт Rutube, и чем VK показывает целиком: " * 3
DESCRIPTION = "Описание с эмодзи 🎬 и подробностями, чтобы подпись Telegram не уместилась. " * 20
OWN = {Platform.DZEN: {"title": "Свой заголовок для Дзена"}}


def test_each_platform_receives_exactly_the_text_the_preview_showed(sandbox, settings):
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    user = UserFactory(plan=Plan.PRO)
    clip = ClipFactory(owner=user)
    for platform in ALL:
        sandbox_connection(sandbox.control, user=user, platform=platform)

    pubs = publication_create(
        user=user,
        clip=clip,
        platforms=ALL,
        title=TITLE,
        description=DESCRIPTION,
        platform_texts=OWN,
    )
    for pub in pubs:
        publication_execute(publication_id=pub.pk)

    previews = {
        p.platform: p.sent
        for p in text_previews(platforms=ALL, title=TITLE, description=DESCRIPTION, texts=OWN)
    }
    rows = {p.platform: p for p in Publication.objects.filter(clip=clip)}
    for platform in ALL:
        [video] = sandbox.control.videos(platform)
        row, shown = rows[platform], previews[platform]
        assert (row.sent_title, row.sent_description) == (shown.title, shown.description)
        if shown.caption is not None:  # Telegram's caption, a VK Клип's one text
            assert video["description"] == shown.caption
        else:
            assert (video["title"], video["description"]) == (shown.title, shown.description)
    assert previews[Platform.TELEGRAM].cut
    assert rows[Platform.DZEN].sent_title == "Свой заголовок для Дзена"
    assert len(rows[Platform.RUTUBE].sent_title) == 100
    assert rows[Platform.VK].vk_mode == "clip"
    assert rows[Platform.VK].sent_title == TITLE.strip()
