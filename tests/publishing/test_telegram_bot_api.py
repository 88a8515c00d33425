"""Telegram in the engine, as the real Bot API behaves: the 50 MB limit at its boundary, a bot
kicked from its channel marked at once, and a wrong Bot API address that expires nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from clipmaker.accounts.models import Plan
from platforms.constants import Platform
from platforms.models import ConnectionStatus, Destination
from publishing.attempt import publication_execute
from publishing.models import Publication, PublicationStatus
from publishing.services import PublicationValidationError, publication_create
from tests.factories import ClipFactory, PlatformConnectionFactory, UserFactory

from .conftest import sandbox_connection

TOO_BIG = "Файл слишком большой для Telegram (максимум 50 МБ)"


@pytest.mark.django_db
def test_a_clip_of_50_000_001_bytes_is_refused_for_telegram_and_nothing_is_created():
    user = UserFactory(plan=Plan.PRO)
    PlatformConnectionFactory(user=user, platform=Platform.TELEGRAM)
    clip = ClipFactory(owner=user, size_bytes=50_000_001)

    with pytest.raises(PublicationValidationError) as info:
        publication_create(user=user, clip=clip, platforms=[Platform.TELEGRAM])

    assert any(TOO_BIG in m for m in info.value.errors["telegram"])
    assert not Publication.objects.filter(clip=clip).exists()


@pytest.mark.django_db
def test_a_clip_of_exactly_50_000_000_bytes_may_go_to_telegram():
    user = UserFactory(plan=Plan.PRO)
    PlatformConnectionFactory(user=user, platform=Platform.TELEGRAM)
    clip = ClipFactory(owner=user, size_bytes=50_000_000)

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.TELEGRAM])

    assert pub.status == PublicationStatus.QUEUED


def _publish_once(user, settings):  # type: ignore[no-untyped-def]
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    clip = ClipFactory(owner=user)
    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.TELEGRAM])
    publication_execute(publication_id=pub.pk)
    pub.refresh_from_db()
    return pub


@pytest.mark.live
def test_a_bot_kicked_from_its_channel_marks_the_channel_and_connection_at_once(sandbox, settings):
    user = UserFactory(plan=Plan.PRO)
    conn = sandbox_connection(sandbox.control, user=user, platform=Platform.TELEGRAM)
    channel = Destination.objects.get(connection=conn)
    sandbox.control.update_channel(str(channel.extra["chat_id"]), member_status="kicked")

    pub = _publish_once(user, settings)

    assert pub.status == PublicationStatus.FAILED
    assert "удалили из канала" in pub.error_message
    channel.refresh_from_db()
    conn.refresh_from_db()
    assert (channel.last_check_ok, conn.last_check_ok) == (False, False)
    assert "удалили из канала" in channel.last_error
    assert conn.status == ConnectionStatus.ACTIVE  # the bot's token is fine
    client = Client()
    client.force_login(user)
    card = client.get("/settings/platforms/").content.decode()
    start = card.index('data-platform="telegram"')
    telegram_card = card[start : card.index("</section>", start)]
    assert "работает" not in telegram_card
    assert "удалили из канала" in telegram_card


@pytest.mark.live
def test_a_wrong_bot_api_address_fails_the_publication_but_never_expires_the_bot(
    sandbox, settings, live_server
):
    user = UserFactory(plan=Plan.PRO)
    conn = sandbox_connection(sandbox.control, user=user, platform=Platform.TELEGRAM)
    settings.TELEGRAM_API_URL = f"{live_server.url}/no-bot-api-here"

    pub = _publish_once(user, settings)

    assert pub.status == PublicationStatus.FAILED
    assert "TELEGRAM_API_URL" in pub.error_message
    conn.refresh_from_db()
    assert conn.status == ConnectionStatus.ACTIVE
