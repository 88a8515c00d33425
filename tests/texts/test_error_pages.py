"""Friendly Russian 404/403/500 pages for people, also with DEBUG on; Django's debug pages
stay for the admin, staff and ``?debug=1``."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from clipmaker.urls import urlpatterns as project_urls

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("broken view")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [path("boom/", _boom), path("forbidden/", _forbidden), *project_urls]


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.ROOT_URLCONF = __name__
    return settings


@pytest.mark.parametrize("debug_on", [True, False])
def test_an_unknown_address_shows_our_russian_404(client_in, settings, debug_on):
    settings.DEBUG = debug_on

    response = client_in.get("/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "Такой страницы нет" in body and "Page not found" not in body


def test_another_users_clip_shows_our_404_with_debug_on(client_in, debug, other_clip):
    response = client_in.get(f"/clips/{other_clip.pk}/")

    assert response.status_code == 404
    assert "Такой страницы нет" in response.content.decode()


def test_a_crash_shows_our_500_with_debug_on(debug):
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    body = response.content.decode()
    assert "Что-то пошло не так" in body and "Traceback" not in body


def test_a_refusal_shows_our_403_with_debug_on(debug):
    response = Client().get("/forbidden/")

    assert response.status_code == 403
    assert "Нет доступа" in response.content.decode()


def test_asking_with_debug_keeps_djangos_page(debug):
    response = Client().get("/no-such-page/?debug=1")

    assert response.status_code == 404
    assert "Такой страницы нет" not in response.content.decode()


def test_staff_and_the_admin_keep_djangos_debug_pages(debug, admin_client):
    staff = admin_client.get("/no-such-page/")
    admin = Client().get("/admin/no-such-page/")

    assert "Такой страницы нет" not in staff.content.decode()
    assert "Такой страницы нет" not in admin.content.decode()


def test_an_address_missing_its_slash_is_still_redirected(client_in, debug):
    response = client_in.get("/clips")

    assert response.status_code == 301
