"""Admin: support sees each publication's stats schedule (due, last answer, gone, failures)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import StatsTrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(username="support", is_staff=True, is_superuser=True))
    return client


def test_schedules_are_listed_and_gone_ones_can_be_filtered(staff_client):
    live = StatsTrackFactory(last_error="TransientError:503", failures=2)
    gone = StatsTrackFactory(gone_at=timezone.now())
    url = "/admin/stats/statstrack/"

    everything = staff_client.get(url).content.decode()
    only_gone = staff_client.get(f"{url}?gone_at__isempty=0").content.decode()

    assert "TransientError:503" in everything
    assert f"{url}{gone.pk}/change/" in only_gone
    assert f"{url}{live.pk}/change/" not in only_gone


def test_schedules_are_read_only(staff_client):
    track = StatsTrackFactory()
    url = "/admin/stats/statstrack/"

    assert staff_client.get(f"{url}add/").status_code == 403
    page = staff_client.get(f"{url}{track.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
