"""API: publish, publication detail, cancel, retry, stats (shared/API.md "Publications")."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms.constants import MB
from publishing.models import Publication, PublicationStatus
from stats.models import StatsSnapshot
from tests.factories import ClipFactory, PublicationFactory

pytestmark = pytest.mark.django_db

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")
CONTRACT_FIELDS = {
    "id",
    "clip",
    "platform",
    "status",
    "scheduled_at",
    "queued_at",
    "published_at",
    "attempts",
    "platform_url",
    "error_message",
    "progress",
    "stats",
}


def _publish(api, clip, **body):
    body.setdefault("platforms", ["vk"])
    return api.post(f"/api/v1/clips/{clip.pk}/publish/", body, format="json")


# --- publish -------------------------------------------------------------------------------


def test_publish_now_returns_the_new_publications(api, clip, connected):
    response = _publish(api, clip, platforms=["vk", "rutube", "dzen", "telegram"])

    assert response.status_code == 201
    data = response.json()
    assert sorted(p["platform"] for p in data) == ["dzen", "rutube", "telegram", "vk"]
    for item in data:
        assert set(item) >= CONTRACT_FIELDS
        assert item["clip"] == clip.pk
        assert item["status"] == "queued"
        assert item["scheduled_at"] is None
        assert ISO_WITH_OFFSET.match(item["queued_at"])
        assert item["progress"] == {"bytes_sent": 0, "bytes_total": clip.size_bytes}
        assert item["stats"] is None
    assert Publication.objects.filter(clip=clip).count() == 4


def test_publish_uses_the_clip_title_unless_given(api, clip, connected):
    _publish(api, clip, platforms=["vk"])
    _publish(api, clip, platforms=["rutube"], title="Свой заголовок", description="Своё")
    pubs = {p.platform: p for p in Publication.objects.filter(clip=clip)}
    assert pubs["vk"].title == "Мой клип"
    assert (pubs["rutube"].title, pubs["rutube"].description) == ("Свой заголовок", "Своё")


def test_publish_scheduled(api, clip, connected):
    when = (timezone.now() + timedelta(days=1)).replace(microsecond=0)

    response = _publish(api, clip, platforms=["dzen"], scheduled_at=when.isoformat())

    assert response.status_code == 201
    item = response.json()[0]
    assert item["status"] == "scheduled"
    assert datetime.fromisoformat(item["scheduled_at"]) == when
    assert ISO_WITH_OFFSET.match(item["scheduled_at"])


def test_publish_validation_errors_name_the_platform_and_create_nothing(api, user, connected):
    big = ClipFactory(owner=user, size_bytes=60 * MB)

    response = _publish(api, big, platforms=["vk", "telegram"])

    assert response.status_code == 400
    assert response.json()["errors"]["telegram"] == [
        "Файл слишком большой для Telegram (максимум 50 МБ)"
    ] or any(
        "Файл слишком большой для Telegram (максимум 50 МБ)" in m
        for m in response.json()["errors"]["telegram"]
    )
    assert "vk" not in response.json()["errors"]
    assert not Publication.objects.exists()


def test_publish_refuses_platforms_outside_the_plan(api, user, clip, connected):
    user.plan = Plan.START
    user.save()
    response = _publish(api, clip, platforms=["vk", "rutube"])
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"rutube"}
    assert not Publication.objects.exists()


def test_publish_refuses_a_platform_not_connected(api, clip, connected):
    connected["dzen"].delete()
    response = _publish(api, clip, platforms=["dzen"])
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["dzen"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platforms": []}, "platforms"),
        ({"platforms": ["myspace"]}, "platforms"),
        ({"platforms": ["vk"], "scheduled_at": "завтра"}, "scheduled_at"),
    ],
)
def test_publish_malformed_body_is_400_with_errors(api, clip, connected, body, field):
    response = api.post(f"/api/v1/clips/{clip.pk}/publish/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors
    assert all(isinstance(m, str) and re.search("[а-яА-Я]", m) for m in errors[field])


def test_publish_while_one_is_in_progress_is_409(api, clip, connected):
    PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHING)

    response = _publish(api, clip, platforms=["vk"])

    assert response.status_code == 409
    data = response.json()
    assert data["detail"]
    assert "vk" in data["errors"]
    assert Publication.objects.filter(clip=clip).count() == 1


def test_publish_another_users_clip_is_404(api, other_clip, connected):
    response = _publish(api, other_clip)
    assert response.status_code == 404
    assert not Publication.objects.exists()


def test_publish_is_limited_to_20_per_minute(api, user, connected):
    clips = ClipFactory.create_batch(21, owner=user)
    for clip in clips[:20]:
        assert _publish(api, clip).status_code == 201

    response = _publish(api, clips[20])

    assert response.status_code == 429
    assert "20" in response.json()["detail"]
    assert "Повторите через" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert not Publication.objects.filter(clip=clips[20]).exists()


def test_publish_limit_counts_refused_calls_too(api, clip, connected):
    for _ in range(20):
        _publish(api, clip, platforms=["myspace"])
    assert _publish(api, clip).status_code == 429


# --- detail --------------------------------------------------------------------------------


def test_publication_detail_has_every_contract_field(api, clip):
    pub = PublicationFactory(
        clip=clip,
        platform="vk",
        status=PublicationStatus.PUBLISHED,
        scheduled_at=datetime(2030, 1, 1, 9, 0, tzinfo=UTC),
        queued_at=datetime(2030, 1, 1, 9, 0, 1, tzinfo=UTC),
        published_at=datetime(2030, 1, 1, 9, 1, tzinfo=UTC),
        attempts=2,
        platform_url="https://vk.com/clip-1_456",
        bytes_sent=1000,
        bytes_total=1000,
        views=10,
        likes=3,
        comments=1,
        shares=0,
        stats_updated_at=datetime(2030, 1, 1, 12, 0, tzinfo=UTC),
    )

    data = api.get(f"/api/v1/publications/{pub.pk}/").json()

    assert data["id"] == pub.pk
    assert data["clip"] == clip.pk
    assert data["platform"] == "vk"
    assert data["status"] == "published"
    assert data["scheduled_at"] == "2030-01-01T12:00:00+03:00"
    assert data["queued_at"] == "2030-01-01T12:00:01+03:00"
    assert data["published_at"] == "2030-01-01T12:01:00+03:00"
    assert data["attempts"] == 2
    assert data["platform_url"] == "https://vk.com/clip-1_456"
    assert data["error_message"] == ""
    assert data["progress"] == {"bytes_sent": 1000, "bytes_total": 1000}
    assert data["stats"] == {
        "views": 10,
        "likes": 3,
        "comments": 1,
        "shares": 0,
        "updated_at": "2030-01-01T15:00:00+03:00",
    }


def test_failed_publication_carries_its_message(api, clip):
    pub = PublicationFactory(
        clip=clip,
        status=PublicationStatus.FAILED,
        error_message="Токен истёк, переподключите платформу",
    )
    data = api.get(f"/api/v1/publications/{pub.pk}/").json()
    assert (data["status"], data["error_message"]) == (
        "failed",
        "Токен истёк, переподключите платформу",
    )


def test_another_users_publication_is_404_everywhere(api, other_clip):
    pub = PublicationFactory(clip=other_clip, status=PublicationStatus.FAILED)
    for method, url in (
        ("get", f"/api/v1/publications/{pub.pk}/"),
        ("post", f"/api/v1/publications/{pub.pk}/cancel/"),
        ("post", f"/api/v1/publications/{pub.pk}/retry/"),
        ("get", f"/api/v1/publications/{pub.pk}/stats/"),
    ):
        response = getattr(api, method)(url)
        assert response.status_code == 404, url
        assert set(response.json()) == {"detail"}
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.FAILED


# --- cancel / retry ------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["scheduled", "queued"])
def test_cancel_a_waiting_publication(api, clip, status):
    pub = PublicationFactory(
        clip=clip, status=status, scheduled_at=timezone.now() + timedelta(hours=1)
    )

    response = api.post(f"/api/v1/publications/{pub.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.CANCELLED


def test_cancel_during_an_upload_is_accepted_as_a_request(api, clip):
    pub = PublicationFactory(
        clip=clip, status=PublicationStatus.PUBLISHING, claim_token=uuid.uuid4(), attempts=1
    )
    assert api.get(f"/api/v1/publications/{pub.pk}/").json()["cancel_requested_at"] is None

    response = api.post(f"/api/v1/publications/{pub.pk}/cancel/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "publishing"
    assert body["cancel_requested_at"] is not None
    pub.refresh_from_db()
    assert pub.cancel_requested_at is not None


@pytest.mark.parametrize("status", ["published", "failed", "cancelled"])
def test_cancel_a_finished_publication_is_409(api, clip, status):
    pub = PublicationFactory(clip=clip, status=status)

    response = api.post(f"/api/v1/publications/{pub.pk}/cancel/")

    assert response.status_code == 409
    assert re.search("[а-яА-Я]", response.json()["detail"])
    pub.refresh_from_db()
    assert pub.status == status


def test_retry_a_failed_publication(api, clip, connected):
    pub = PublicationFactory(
        clip=clip, status=PublicationStatus.FAILED, attempts=4, error_message="x"
    )

    response = api.post(f"/api/v1/publications/{pub.pk}/retry/")

    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.QUEUED


@pytest.mark.parametrize("status", ["scheduled", "queued", "publishing", "published", "cancelled"])
def test_retry_anything_but_failed_is_409(api, clip, status):
    pub = PublicationFactory(clip=clip, status=status)
    response = api.post(f"/api/v1/publications/{pub.pk}/retry/")
    assert response.status_code == 409
    assert re.search("[а-яА-Я]", response.json()["detail"])
    pub.refresh_from_db()
    assert pub.status == status


def test_retry_of_a_video_rejected_by_moderation_is_409(api, clip, connected):
    pub = PublicationFactory(
        clip=clip,
        platform="rutube",
        status=PublicationStatus.FAILED,
        error_code="rejected",
        error_message="Rutube отклонил видео на модерации: Нарушение правил.",
    )

    response = api.post(f"/api/v1/publications/{pub.pk}/retry/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Rutube отклонил это видео: повтор не поможет. Исправьте клип и опубликуйте "
        "его заново."
    }
    pub.refresh_from_db()
    assert (pub.status, pub.attempts) == (PublicationStatus.FAILED, 0)


def test_retry_on_a_platform_the_plan_no_longer_allows_is_409(api, clip, connected, user):
    pub = PublicationFactory(clip=clip, platform="dzen", status=PublicationStatus.FAILED)
    user.plan = "free"
    user.save()

    response = api.post(f"/api/v1/publications/{pub.pk}/retry/")

    assert response.status_code == 409
    assert "недоступна на тарифе Free" in response.json()["detail"]
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.FAILED


def test_cancel_and_retry_need_post(api, clip):
    pub = PublicationFactory(clip=clip, status=PublicationStatus.FAILED)
    assert api.get(f"/api/v1/publications/{pub.pk}/retry/").status_code == 405
    assert api.get(f"/api/v1/publications/{pub.pk}/cancel/").status_code == 405


# --- stats ---------------------------------------------------------------------------------


def test_stats_history_oldest_first(api, clip):
    pub = PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHED)
    t0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    StatsSnapshot.objects.create(
        publication=pub,
        collected_at=t0 + timedelta(hours=6),
        views=50,
        likes=5,
        comments=1,
        shares=1,
    )
    StatsSnapshot.objects.create(
        publication=pub, collected_at=t0, views=10, likes=1, comments=0, shares=0
    )

    data = api.get(f"/api/v1/publications/{pub.pk}/stats/").json()

    assert data == {
        "available": True,
        "history": [
            {
                "collected_at": "2030-01-01T12:00:00+03:00",
                "views": 10,
                "likes": 1,
                "comments": 0,
                "shares": 0,
            },
            {
                "collected_at": "2030-01-01T18:00:00+03:00",
                "views": 50,
                "likes": 5,
                "comments": 1,
                "shares": 1,
            },
        ],
    }


def test_telegram_stats_are_unavailable(api, clip):
    pub = PublicationFactory(clip=clip, platform="telegram", status=PublicationStatus.PUBLISHED)
    assert api.get(f"/api/v1/publications/{pub.pk}/stats/").json() == {
        "available": False,
        "history": [],
    }
