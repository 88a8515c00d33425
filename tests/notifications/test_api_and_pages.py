"""The bell, the list page, the switches and the API (API.md "Additions"): newest first,
paginated, mark one or all read, only the caller's own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from clipmaker.notifications.models import Notification, NotificationKind, NotificationPreference
from clipmaker.notifications.services import notification_create
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("enqueued")


def _note(user: Any, key: str, *, minutes_ago: int = 0, **fields: Any) -> Notification:
    note = notification_create(
        user=user,
        kind=NotificationKind.PUBLICATION_FAILED,
        key=key,
        message=f"Событие {key}",
        link="/clips/7/",
    )
    assert note is not None
    Notification.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago), **fields
    )
    note.refresh_from_db()
    return note


# --- API ----------------------------------------------------------------------------------------


def test_the_api_lists_the_callers_notifications_newest_first(client_in, user):
    _note(user, "old", minutes_ago=10)
    _note(user, "new", minutes_ago=1)
    _note(UserFactory(), "theirs")

    answer = client_in.get("/api/v1/notifications/")

    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 2
    assert [n["message"] for n in body["results"]] == ["Событие new", "Событие old"]
    first = body["results"][0]
    assert set(first) >= {"id", "kind", "message", "created_at", "read_at", "link"}
    assert first["kind"] == "publication_failed"
    assert first["link"] == "/clips/7/"
    assert first["read_at"] is None


def test_marking_one_read_answers_the_notification(client_in, user):
    note = _note(user, "a")

    answer = client_in.post(f"/api/v1/notifications/{note.pk}/read/")

    assert answer.status_code == 200
    assert answer.json()["id"] == note.pk
    assert answer.json()["read_at"] is not None
    first_read = Notification.objects.get(pk=note.pk).read_at
    client_in.post(f"/api/v1/notifications/{note.pk}/read/")
    assert Notification.objects.get(pk=note.pk).read_at == first_read


def test_someone_elses_notification_answers_404(client_in):
    theirs = _note(UserFactory(), "a")

    assert client_in.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    answer = client_in.post("/api/v1/notifications/abc/read/")
    assert answer.status_code == 404 and "detail" in answer.json()


def test_mark_all_read(client_in, user):
    _note(user, "a")
    _note(user, "b")

    answer = client_in.post("/api/v1/notifications/read-all/")

    assert answer.json() == {"marked": 2}
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


def test_the_api_needs_a_login(client):
    assert client.get("/api/v1/notifications/").status_code in (401, 403)


def test_the_api_pages_by_fifty(client_in, user):
    for n in range(55):
        _note(user, f"n{n}")
    body = client_in.get("/api/v1/notifications/?page=2").json()
    assert body["count"] == 55 and len(body["results"]) == 5


# --- pages ----------------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_on_every_page(client_in, user):
    _note(user, "a")
    _note(user, "b")
    _note(user, "c", read_at=timezone.now())

    page = client_in.get("/clips/").content.decode()

    assert 'data-testid="bell"' in page
    assert 'data-testid="bell-count">2</span>' in page


def test_the_bell_has_no_count_when_all_is_read(client_in, user):
    _note(user, "a", read_at=timezone.now())
    page = client_in.get("/clips/").content.decode()
    assert 'data-testid="bell"' in page and "bell-count" not in page


def test_the_list_page_shows_them_and_opening_one_marks_it_read(client_in, user):
    note = _note(user, "a")

    page = client_in.get("/notifications/").content.decode()
    assert "Событие a" in page and "новое" in page

    answer = client_in.post(f"/notifications/{note.pk}/read/", {"next": note.link})

    assert answer.status_code == 302 and answer["Location"] == "/clips/7/"
    assert Notification.objects.get(pk=note.pk).read_at is not None


def test_opening_never_redirects_off_the_site(client_in, user):
    note = _note(user, "a")
    answer = client_in.post(f"/notifications/{note.pk}/read/", {"next": "https://evil.example/"})
    assert answer["Location"] == "/notifications/"


def test_mark_all_read_on_the_page(client_in, user):
    _note(user, "a")
    client_in.post("/notifications/read-all/")
    assert "bell-count" not in client_in.get("/notifications/").content.decode()


def test_the_list_page_explains_an_empty_list(client_in):
    page = client_in.get("/notifications/").content.decode()
    assert 'data-testid="no-notifications"' in page


def test_someone_elses_notification_cannot_be_read_on_the_page(client_in):
    theirs = _note(UserFactory(), "a")
    assert client_in.post(f"/notifications/{theirs.pk}/read/").status_code == 404


def test_the_switches_are_saved(client_in, user):
    page = client_in.get("/settings/notifications/").content.decode()
    assert 'name="email"' in page and "checked" in page

    answer = client_in.post(
        "/settings/notifications/", {"in_app": "on", "address": "new@example.ru"}
    )

    assert answer.status_code == 302
    pref = NotificationPreference.objects.get(user=user)
    assert pref.in_app is True and pref.email is False
    user.refresh_from_db()
    assert user.email == "new@example.ru"


def test_email_on_without_an_address_is_refused_in_russian(client_in, user):
    answer = client_in.post("/settings/notifications/", {"email": "on", "address": ""})
    assert answer.status_code == 400
    assert "Укажите адрес почты" in answer.content.decode()


def test_the_pages_need_a_login(client):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/settings/notifications/").status_code == 302


def test_the_admin_lists_notifications(admin_client, user):
    _note(user, "a")
    page = admin_client.get("/admin/notifications/notification/")
    assert page.status_code == 200
    assert "Событие a" in page.content.decode()
