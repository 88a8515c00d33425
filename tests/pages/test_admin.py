"""Admin for support staff: find publications, retry and cancel them through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from clipmaker.accounts.models import Plan
from publishing.models import PublicationStatus
from tests.factories import ClipFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(username="support", is_staff=True, is_superuser=True))
    return client


def _action(client, action: str, *ids: int):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/publishing/publication/",
        {"action": action, "_selected_action": [str(i) for i in ids]},
        follow=True,
    )


def test_list_filters_by_status_and_platform(staff_client):
    failed = PublicationFactory(platform="vk", status=PublicationStatus.FAILED)
    other = PublicationFactory(platform="telegram", status=PublicationStatus.FAILED)
    done = PublicationFactory(platform="vk", status=PublicationStatus.PUBLISHED)

    body = staff_client.get(
        "/admin/publishing/publication/?status__exact=failed&platform__exact=vk"
    ).content.decode()

    assert f"/admin/publishing/publication/{failed.pk}/change/" in body
    assert f"/admin/publishing/publication/{other.pk}/change/" not in body
    assert f"/admin/publishing/publication/{done.pk}/change/" not in body


def test_list_is_searchable_by_user_and_clip(staff_client):
    alice_clip = ClipFactory(owner=UserFactory(username="alice"), title="Рассвет")
    mine = PublicationFactory(clip=alice_clip)
    other = PublicationFactory(clip=ClipFactory(owner=UserFactory(username="bob"), title="Закат"))

    by_user = staff_client.get("/admin/publishing/publication/?q=alice").content.decode()
    by_clip = staff_client.get("/admin/publishing/publication/?q=Рассвет").content.decode()

    for body in (by_user, by_clip):
        assert f"/admin/publishing/publication/{mine.pk}/change/" in body
        assert f"/admin/publishing/publication/{other.pk}/change/" not in body


def test_retry_action_requeues_failed_and_reports_the_rest(staff_client):
    failed = PublicationFactory(platform="vk", status=PublicationStatus.FAILED)
    published = PublicationFactory(platform="dzen", status=PublicationStatus.PUBLISHED)

    response = _action(staff_client, "retry_publications", failed.pk, published.pk)

    failed.refresh_from_db()
    published.refresh_from_db()
    assert failed.status == PublicationStatus.QUEUED
    assert published.status == PublicationStatus.PUBLISHED
    body = response.content.decode()
    assert "Поставлено в очередь снова: 1" in body
    assert f"#{published.pk}: Повторить можно только" in body


def test_retry_action_reports_a_video_rejected_by_moderation(staff_client):
    rejected = PublicationFactory(
        platform="rutube",
        status=PublicationStatus.FAILED,
        error_code="rejected",
        error_message="Rutube отклонил видео на модерации.",
    )

    response = _action(staff_client, "retry_publications", rejected.pk)

    rejected.refresh_from_db()
    assert rejected.status == PublicationStatus.FAILED
    body = response.content.decode()
    assert f"#{rejected.pk}: Rutube отклонил это видео: повтор не поможет." in body
    assert "Поставлено в очередь снова" not in body


def test_cancel_action_cancels_waiting_publications(staff_client):
    queued = PublicationFactory(status=PublicationStatus.QUEUED)
    failed = PublicationFactory(status=PublicationStatus.FAILED)

    response = _action(staff_client, "cancel_publications", queued.pk, failed.pk)

    queued.refresh_from_db()
    failed.refresh_from_db()
    assert queued.status == PublicationStatus.CANCELLED
    assert failed.status == PublicationStatus.FAILED
    assert "Отменено: 1" in response.content.decode()


def test_publication_page_opens_and_cannot_be_added_by_hand(staff_client):
    pub = PublicationFactory(status=PublicationStatus.FAILED, error_message="Ошибка платформы")
    page = staff_client.get(f"/admin/publishing/publication/{pub.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "КлипМейкер — поддержка" in body
    for english in ("Enqueued at", "Claim token", "Bytes sent", "Created by", "Django"):
        assert english not in body
    assert staff_client.get("/admin/publishing/publication/add/").status_code == 403


def test_publication_page_hides_what_grants_access_to_the_upload(staff_client):
    upload_url = "https://vu.vk.test/upload.php?act=add_video&hash=SECRET-HASH-42"
    pub = PublicationFactory(
        status=PublicationStatus.PUBLISHING,
        platform_handle={
            "id": "-5_456",
            "data": {"owner_id": -5, "upload_url": upload_url, "access_key": "AK-SECRET-7"},
        },
    )

    page = staff_client.get(f"/admin/publishing/publication/{pub.pk}/change/").content.decode()

    assert "SECRET-HASH-42" not in page and "AK-SECRET-7" not in page
    assert "-5_456" in page and "owner_id" in page


def test_clips_show_owner_plan_and_publications(staff_client):
    clip = ClipFactory(owner=UserFactory(username="carol", plan=Plan.START), title="Клип Кэрол")
    PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHED)

    listing = staff_client.get("/admin/clips/clip/").content.decode()
    page = staff_client.get(f"/admin/clips/clip/{clip.pk}/change/").content.decode()

    assert "Клип Кэрол" in listing
    assert "Start" in listing
    assert "Опубликовано" in page


def test_users_show_their_plan(staff_client):
    UserFactory(username="dave", plan=Plan.BUSINESS)
    body = staff_client.get("/admin/accounts/user/?q=dave").content.decode()
    assert "Business" in body


def test_admin_is_for_staff_only(client, user):
    client.force_login(user)
    response = client.get("/admin/publishing/publication/")
    assert response.status_code == 302


def test_support_moves_a_scheduled_publication_in_the_users_zone(staff_client):
    owner = UserFactory(plan=Plan.PRO, time_zone="Asia/Vladivostok")
    clip = ClipFactory(owner=owner)
    when = timezone.now() + timedelta(days=1)
    pub = PublicationFactory(clip=clip, status=PublicationStatus.SCHEDULED, scheduled_at=when)
    change = staff_client.get(f"/admin/publishing/publication/{pub.pk}/change/").content.decode()
    url = f"/admin/publishing/publication/{pub.pk}/reschedule/"
    assert f'href="{url}"' in change

    page = staff_client.get(url).content.decode()
    assert "Asia/Vladivostok" in page
    day = (timezone.now() + timedelta(days=30)).date()
    response = staff_client.post(url, {"scheduled_at": f"{day.isoformat()}T06:00"})

    assert response.status_code == 302
    pub.refresh_from_db()
    # 06:00 in Vladivostok (UTC+10) is 20:00 UTC the day before.
    assert pub.scheduled_at == datetime(day.year, day.month, day.day, 6, tzinfo=UTC) - timedelta(
        hours=10
    )

    refused = staff_client.post(url, {"scheduled_at": "2020-01-01T06:00"}).content.decode()
    assert "Это время уже прошло" in refused
