"""«Часовой пояс»: the user chooses how times are shown and read; nothing planned moves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clipmaker.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(client):
    user = UserFactory(username="anna-tz")
    client.force_login(user)
    return user


def test_the_page_offers_russian_zones_with_the_current_one_selected(client, anna):
    page = client.get(reverse("time-zone")).content.decode()
    assert "Часовой пояс" in page
    assert '<option value="Asia/Yekaterinburg">Екатеринбург (UTC+5)</option>' in page
    assert '<option value="Europe/Moscow" selected>' in page


def test_choosing_a_zone_saves_it_and_times_are_shown_in_it(client, anna):
    answer = client.post(reverse("time-zone"), {"time_zone": "Asia/Vladivostok"}, follow=True)
    assert "Часовой пояс сохранён" in answer.content.decode()
    assert User.objects.get(pk=anna.pk).time_zone == "Asia/Vladivostok"
    assert "Asia/Vladivostok" in client.get(reverse("calendar")).content.decode()


def test_an_unknown_zone_is_refused_in_russian_and_nothing_changes(client, anna):
    answer = client.post(reverse("time-zone"), {"time_zone": "Mars/Olympus"})
    assert answer.status_code == 400
    assert "Такого часового пояса нет" in answer.content.decode()
    assert User.objects.get(pk=anna.pk).time_zone == "Europe/Moscow"


def test_choosing_the_same_zone_again_changes_nothing(client, anna):
    from clipmaker.accounts.services import user_time_zone_set

    assert user_time_zone_set(user=anna, time_zone="Asia/Kamchatka") is True
    assert user_time_zone_set(user=anna, time_zone="Asia/Kamchatka") is False
    assert User.objects.get(pk=anna.pk).time_zone == "Asia/Kamchatka"


def test_the_page_needs_a_login(client):
    answer = client.get(reverse("time-zone"))
    assert answer.status_code == 302
    assert reverse("login") in answer["Location"]


def test_the_calendar_and_the_clip_list_link_to_the_zone_next_to_their_times(client, anna):
    link = f'<a href="{reverse("time-zone")}">сменить пояс</a>'
    assert link in client.get(reverse("calendar")).content.decode()
    assert link in client.get(reverse("clip-list")).content.decode()
