"""The settings page /settings/platforms/: states, plan rules, test, disconnect confirmation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms.models import ConnectionStatus, PlatformConnection
from publishing.models import PublicationStatus
from tests.factories import (
    ClipFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    UserFactory,
)
from tests.fixtures.platform_urls import fake_url

pytestmark = pytest.mark.django_db


def page_of(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/settings/platforms/")
    assert response.status_code == 200
    return response.content.decode()


def test_page_requires_login(client):
    response = client.get("/settings/platforms/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_page_shows_each_platform_state(user):
    PlatformConnectionFactory(
        user=user,
        platform="vk",
        account_name="Анна Клипова",
        expires_at=timezone.now() + timedelta(hours=1),
        tokens=("visible-access-123", "visible-refresh-123"),
    )
    PlatformConnectionFactory(user=user, platform="dzen", status=ConnectionStatus.EXPIRED)

    html = page_of(user)

    assert "Подключено как <strong>Анна Клипова</strong>" in html
    assert "Токен истёк — переподключите Дзен" in html
    assert html.count("Не подключено") == 2  # Rutube and Telegram
    assert "Токен действует до" in html
    assert "Проверить подключение" in html
    assert "visible-access-123" not in html and "visible-refresh-123" not in html


def test_free_plan_sees_an_upgrade_notice_and_no_connect_buttons():
    html = page_of(UserFactory(plan=Plan.FREE))

    assert "На тарифе Free публикация в соцсети недоступна" in html
    assert "Подключить" not in html


def test_start_plan_can_connect_only_vk():
    html = page_of(UserFactory(plan=Plan.START))

    assert "Тариф Start позволяет подключить только VK" in html
    assert 'action="/settings/platforms/vk/connect/"' in html
    assert 'action="/settings/platforms/dzen/connect/"' not in html
    assert 'href="/settings/platforms/rutube/connect/"' not in html
    assert html.count("Недоступно на вашем тарифе") == 3


def test_every_form_carries_a_csrf_token(user):
    PlatformConnectionFactory(user=user, platform="vk")

    html = page_of(user)

    assert html.count("<form") == html.count("csrfmiddlewaretoken")


def test_posts_without_csrf_are_refused(user, fake_platforms):
    PlatformConnectionFactory(user=user, platform="vk")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.post("/settings/platforms/vk/connect/").status_code == 403
    assert client.post("/settings/platforms/vk/disconnect/").status_code == 403
    assert client.post("/settings/platforms/vk/test/").status_code == 403
    assert PlatformConnection.objects.get(user=user).status == ConnectionStatus.ACTIVE


def test_check_button_reports_the_result(web, user, http, messages_of):
    PlatformConnectionFactory(user=user, platform="dzen", tokens=("ya-acc", "ya-ref"))
    http.get(f"{fake_url('DZEN_API_URL')}/v1/me", json={"id": "d1", "name": "Канал Анны"})

    response = web.post("/settings/platforms/dzen/test/", follow=True)

    assert "Подключение работает: Канал Анны." in messages_of(response)


def test_check_of_an_unconnected_platform_is_404(web):
    assert web.post("/settings/platforms/vk/test/").status_code == 404


def test_disconnect_confirmation_says_how_many_publications_it_cancels(web, user):
    PlatformConnectionFactory(user=user, platform="telegram", account_name="Мой канал")
    for status in (PublicationStatus.SCHEDULED, PublicationStatus.QUEUED):
        PublicationFactory(clip=ClipFactory(owner=user), platform="telegram", status=status)
    PublicationFactory(clip=ClipFactory(owner=user), platform="vk", status=PublicationStatus.QUEUED)

    response = web.get("/settings/platforms/telegram/disconnect/")

    html = response.content.decode()
    assert "Отключить Telegram?" in html
    assert "Будут отменены запланированные публикации:" in html
    assert "<strong>2</strong>" in html
    conn = PlatformConnection.objects.get(user=user, platform="telegram")
    assert conn.status == ConnectionStatus.ACTIVE


def test_confirmed_disconnect_wipes_tokens_and_cancels(web, user, messages_of):
    PlatformConnectionFactory(user=user, platform="telegram")
    pub = PublicationFactory(
        clip=ClipFactory(owner=user), platform="telegram", status=PublicationStatus.SCHEDULED
    )

    response = web.post("/settings/platforms/telegram/disconnect/", follow=True)

    assert "Telegram отключён. Отменено запланированных публикаций: 1." in messages_of(response)
    conn = PlatformConnection.objects.get(user=user, platform="telegram")
    assert conn.status == ConnectionStatus.REVOKED
    assert not conn.access_token_sealed and not conn.refresh_token_sealed
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.CANCELLED
    assert re.search(r'data-platform="telegram"\s+data-status="revoked"', response.content.decode())


def test_another_users_connection_cannot_be_disconnected(web):
    PlatformConnectionFactory(user=UserFactory(), platform="vk")

    assert web.get("/settings/platforms/vk/disconnect/").status_code == 404
    assert web.post("/settings/platforms/vk/disconnect/").status_code == 404
    assert PlatformConnection.objects.get().status == ConnectionStatus.ACTIVE


def test_checks_are_limited_to_30_an_hour_across_page_and_api(web, user, http, messages_of):
    PlatformConnectionFactory(user=user, platform="dzen", tokens=("ya-acc", "ya-ref"))
    http.get(f"{fake_url('DZEN_API_URL')}/v1/me", json={"id": "d1", "name": "Канал Анны"})
    for _ in range(15):
        assert web.post("/settings/platforms/dzen/test/").status_code == 302
        assert web.post("/api/v1/platforms/dzen/test/").status_code == 200

    page = web.post("/settings/platforms/dzen/test/", follow=True)
    api = web.post("/api/v1/platforms/dzen/test/")

    assert "Слишком много проверок подключения: не больше 30 в час." in messages_of(page)[-1]
    assert api.status_code == 429
    assert "не больше 30 в час" in api.json()["detail"]
    assert len(http.calls) == 30  # the platform was not asked again
