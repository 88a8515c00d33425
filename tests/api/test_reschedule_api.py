"""API: ``PATCH /api/v1/publications/{id}/`` moves a scheduled publication (shared/API.md,
"Additions")."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from clipmaker.accounts.models import Plan
from publishing.models import PublicationStatus
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


def _scheduled(clip, platform="vk"):  # type: ignore[no-untyped-def]
    when = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    return PublicationFactory(
        clip=clip, platform=platform, status=PublicationStatus.SCHEDULED, scheduled_at=when
    )


def _patch(api, pub, body):  # type: ignore[no-untyped-def]
    return api.patch(f"/api/v1/publications/{pub.pk}/", body, format="json")


def test_patch_moves_a_scheduled_publication(api, clip, connected):
    pub = _scheduled(clip)
    when = (timezone.now() + timedelta(days=2)).replace(microsecond=0)

    response = _patch(api, pub, {"scheduled_at": when.isoformat()})

    assert response.status_code == 200
    data = response.json()
    assert data["id"] == pub.pk and data["status"] == "scheduled"
    assert datetime.fromisoformat(data["scheduled_at"]) == when
    pub.refresh_from_db()
    assert pub.scheduled_at == when


def test_patch_takes_a_time_with_the_users_offset(api, clip, connected):
    pub = _scheduled(clip)
    local = (
        (timezone.now() + timedelta(days=1))
        .astimezone(timezone.get_fixed_timezone(180))
        .replace(microsecond=0)
    )

    response = _patch(api, pub, {"scheduled_at": local.isoformat()})

    assert response.status_code == 200
    pub.refresh_from_db()
    assert pub.scheduled_at == local


@pytest.mark.parametrize(
    ("delta", "reason"),
    [(timedelta(hours=-1), "уже прошло"), (timedelta(days=400), "не дальше чем на год")],
)
def test_patch_refuses_a_bad_time_with_the_reason(api, clip, connected, delta, reason):
    pub = _scheduled(clip)
    before = pub.scheduled_at

    response = _patch(api, pub, {"scheduled_at": (timezone.now() + delta).isoformat()})

    assert response.status_code == 400
    assert reason in response.json()["errors"]["scheduled_at"][0]
    pub.refresh_from_db()
    assert pub.scheduled_at == before


def test_patch_refuses_what_the_plan_no_longer_allows(api, clip, connected, user):
    pub = _scheduled(clip, platform="telegram")
    user.plan = Plan.START
    user.save()

    response = _patch(api, pub, {"scheduled_at": (timezone.now() + timedelta(days=1)).isoformat()})

    assert response.status_code == 400
    assert "тарифе Start" in response.json()["errors"]["scheduled_at"][0]


@pytest.mark.parametrize("body", [{}, {"scheduled_at": None}, {"scheduled_at": "завтра"}])
def test_patch_needs_a_time(api, clip, connected, body):
    response = _patch(api, _scheduled(clip), body)

    assert response.status_code == 400
    assert response.json()["errors"]["scheduled_at"]


@pytest.mark.parametrize(
    "status", [PublicationStatus.QUEUED, PublicationStatus.PUBLISHED, PublicationStatus.CANCELLED]
)
def test_patch_answers_409_unless_scheduled(api, clip, connected, status):
    pub = PublicationFactory(clip=clip, platform="vk", status=status)

    response = _patch(api, pub, {"scheduled_at": (timezone.now() + timedelta(days=1)).isoformat()})

    assert response.status_code == 409
    assert "только запланированную" in response.json()["detail"]
    pub.refresh_from_db()
    assert pub.status == status


def test_patch_of_another_users_publication_is_404(api, other_clip):
    pub = _scheduled(other_clip)
    before = pub.scheduled_at

    response = _patch(api, pub, {"scheduled_at": (timezone.now() + timedelta(days=1)).isoformat()})

    assert response.status_code == 404
    assert response.json() == {"detail": "Не найдено. Проверьте идентификатор."}
    pub.refresh_from_db()
    assert pub.scheduled_at == before


def test_put_is_not_offered(api, clip, connected):
    response = api.put(
        f"/api/v1/publications/{_scheduled(clip).pk}/",
        {"scheduled_at": (timezone.now() + timedelta(days=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 405


def test_the_schema_describes_the_patch(api):
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/publications/{id}/"]["patch"]
    assert set(operation["responses"]) >= {"200", "400", "404", "409"}
