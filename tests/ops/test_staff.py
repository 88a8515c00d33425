"""The staff overview (/staff/): live figures for staff, the same 404 as a missing page for
everyone else, never a token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from clipmaker.staff.selectors import staff_overview
from platforms.constants import Platform
from publishing.models import PublicationStatus
from tests.factories import PlatformConnectionFactory, PublicationFactory, UserFactory
from tests.ops.tokens import vk_token

pytestmark = pytest.mark.django_db


def _published(platform: str, seconds: float, *, ago: timedelta = timedelta(hours=1)) -> None:
    done = timezone.now() - ago
    PublicationFactory(
        platform=platform,
        status=PublicationStatus.PUBLISHED,
        queued_at=done - timedelta(seconds=seconds),
        published_at=done,
        finished_at=done,
    )


def _failed(platform: str, message: str = "Ошибка платформы", *, ago=timedelta(hours=1)):  # type: ignore[no-untyped-def]
    done = timezone.now() - ago
    return PublicationFactory(
        platform=platform,
        status=PublicationStatus.FAILED,
        queued_at=done - timedelta(seconds=30),
        finished_at=done,
        error_message=message,
        error_code="permanent",
        attempts=4,
    )


def _beat_ran(seconds_ago: float) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every = IntervalSchedule.objects.create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="clipmaker:dispatch",
        task="publishing.tasks.dispatch_due_publications",
        interval=every,
        last_run_at=timezone.now() - timedelta(seconds=seconds_ago),
    )


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


def test_anyone_but_staff_gets_the_404_of_a_missing_page(client):
    assert client.get("/staff/").status_code == 404
    client.force_login(UserFactory())
    user_answer = client.get("/staff/")
    missing = client.get("/no-such-page/")

    assert user_answer.status_code == missing.status_code == 404

    def without_csrf(body: bytes) -> str:
        return re.sub(r"[A-Za-z0-9]{64}", "", body.decode())  # the CSRF tokens differ

    assert without_csrf(user_answer.content) == without_csrf(missing.content)


def test_staff_see_success_rate_latency_queue_and_the_problems_per_platform(client):
    for seconds in range(1, 9):  # VK: 8 published, 2 failed = 80 % (warning)
        _published(Platform.VK, seconds)
    _failed(Platform.VK)
    _failed(Platform.VK)
    _failed(Platform.VK, ago=timedelta(days=2))  # outside the 24 hours
    _published(Platform.DZEN, 5)  # Дзен: 1 of 5 = 20 % (critical)
    for _ in range(4):
        _failed(Platform.DZEN)
    PublicationFactory(  # due for two minutes and not claimed
        platform=Platform.TELEGRAM,
        status=PublicationStatus.QUEUED,
        next_attempt_at=timezone.now() - timedelta(minutes=2),
    )
    PlatformConnectionFactory(platform=Platform.RUTUBE, status="expired")
    PlatformConnectionFactory(platform=Platform.RUTUBE, status="active", last_check_ok=False)
    _beat_ran(seconds_ago=3)
    client.force_login(UserFactory(is_staff=True))

    page = _text(client.get("/staff/"))

    assert 'data-problems="3"' in page
    assert "Проблем: 3" in page
    assert "VK: успешно 80 % публикаций за 24 ч (2 с ошибкой из 10)." in page
    assert "Дзен: успешно 20 % публикаций за 24 ч (4 с ошибкой из 5)." in page
    assert "Telegram: 1 публ. ждут отправки, самая старая — 2 мин" in page
    vk = re.search(r'data-platform="vk">(.*?)</tr>', page).group(1)
    assert "rate-warning" in vk and "80 %" in vk and "8 из 10" in vk
    assert "4.0 с" in vk and "8.0 с" in vk  # median and p95 of 1..8 s
    dzen = re.search(r'data-platform="dzen">(.*?)</tr>', page).group(1)
    assert "rate-critical" in dzen
    rutube = re.search(r'data-platform="rutube">(.*?)</tr>', page).group(1)
    assert "1 с ошибкой" in rutube and "1 истекли" in rutube
    assert "status__exact=expired" in rutube


def test_latest_failures_link_to_the_admin_and_never_show_a_token(client):
    token = vk_token()
    failed = _failed(Platform.VK, f"Платформа ответила: invalid token {token}")
    _beat_ran(seconds_ago=1)
    client.force_login(UserFactory(is_staff=True))

    page = client.get("/staff/").content.decode()

    assert f'href="/admin/publishing/publication/{failed.pk}/change/"' in page
    assert "Платформа ответила: invalid token" in page
    assert token not in page and token[6:30] not in page


def test_all_is_well_is_one_zero_at_the_top(client):
    for _ in range(5):
        _published(Platform.TELEGRAM, 2)
    _beat_ran(seconds_ago=1)
    client.force_login(UserFactory(is_staff=True))

    page = _text(client.get("/staff/"))

    assert 'data-problems="0"' in page and "Всё в порядке" in page


def test_a_silent_beat_is_a_problem():
    _beat_ran(seconds_ago=300)

    overview = staff_overview()

    assert any("beat" in problem and "300 с" in problem for problem in overview.problems)


def test_few_finished_publications_say_nothing_about_a_platform():
    _failed(Platform.VK)  # 0 % of 1
    _beat_ran(seconds_ago=1)

    overview = staff_overview()

    vk = next(p for p in overview.platforms if p.platform == "vk")
    assert vk.success_rate == 0 and vk.success_state == "unknown"
    assert overview.all_well


def test_the_page_costs_the_same_queries_for_more_publications(
    client, django_assert_max_num_queries
):
    _beat_ran(seconds_ago=1)
    client.force_login(UserFactory(is_staff=True))
    for seconds in range(1, 30):
        _published(Platform.VK, seconds)
        _failed(Platform.DZEN)

    with django_assert_max_num_queries(40):
        assert client.get("/staff/").status_code == 200
