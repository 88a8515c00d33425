"""CSRF on every form, path traversal in names and addresses, and signed clip links that
cannot be forged, widened or kept past their time."""

from __future__ import annotations

import io
import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from clipmaker.clips.demo import make_tiny_video
from clipmaker.clips.models import Clip
from clipmaker.clips.signing import SALT, clip_signed_url
from tests.factories import ClipFactory
from tests.security.routes import all_routes

pytestmark = pytest.mark.django_db

# Answered without a session cookie's authority, so CSRF does not apply: the platforms'
# emulator is excluded by all_routes; the API takes tokens (its session use is checked below);
# the OAuth callbacks are GET; login forms are CSRF-protected too (checked with the rest).
NO_SESSION_WRITES = ("api/", "healthz", "metrics", "public/")


def _page_routes():
    return [r for r in all_routes() if not r.template.startswith(NO_SESSION_WRITES)]


def _fill(template: str, victim) -> str:  # type: ignore[no-untyped-def]
    return "/" + template.format(
        clip_id=victim.clip.pk,
        publication_id=victim.publication.pk,
        platform="rutube",
        token_id="abcdef",
        connection_id=victim.connection.pk,
        destination_id=victim.destination.pk,
        notification_id=victim.notification.pk,
        upload_id="00000000-0000-4000-8000-00000000000f",
    )


@pytest.mark.parametrize("route", _page_routes(), ids=lambda r: r.name or r.template)
def test_a_post_without_the_csrf_token_is_refused_on_every_page(route, victim):
    client = Client(enforce_csrf_checks=True)
    client.force_login(victim.user)
    url = _fill(route.template, victim)

    answer = client.post(url, {"platforms": ["vk"], "title": "x"})

    assert answer.status_code in (403, 405), (url, answer.status_code)


def test_every_post_form_on_the_pages_carries_a_csrf_token(victim):
    client = Client()
    client.force_login(victim.user)
    pages = [
        "/clips/",
        f"/clips/{victim.clip.pk}/",
        "/settings/platforms/",
        "/settings/platforms/rutube/connect/",
        "/settings/security/",
    ]
    for page in pages:
        html = client.get(page).content.decode()
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S | re.I)
        assert forms, page
        for form in forms:
            assert 'name="csrfmiddlewaretoken"' in form, (page, form[:200])
    anonymous = Client().get("/accounts/login/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in anonymous


def test_the_api_with_a_session_cookie_needs_the_csrf_token(victim):
    client = Client(enforce_csrf_checks=True)
    client.force_login(victim.user)
    answer = client.post(f"/api/v1/publications/{victim.publication.pk}/retry/")
    assert answer.status_code == 403
    victim.publication.refresh_from_db()
    assert victim.publication.status == "failed"


# --- path traversal ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/passwd.mp4",
        "..%2F..%2Fsettings.mp4",
        "....//....//x.mp4",
        "/etc/cron.d/x.mp4",
        "C:\\Windows\\system32\\x.mp4",
        "clip\x00.mp4",
        "клип" + "ы" * 300 + ".mp4",
    ],
)
def test_uploaded_names_never_choose_where_the_file_goes(name, victim, settings):
    client = Client()
    client.force_login(victim.user)
    upload = io.BytesIO(make_tiny_video())
    upload.name = name

    answer = client.post("/api/v1/clips/", {"file": upload})

    assert answer.status_code in (201, 400)
    for clip in Clip.objects.filter(owner=victim.user).exclude(pk=victim.clip.pk):
        assert re.fullmatch(rf"clips/{victim.user.pk}/[0-9a-f]{{32}}(\.\w+)?", clip.file.name)
        stored = (settings.MEDIA_ROOT / clip.file.name).resolve()
        assert stored.is_relative_to(settings.MEDIA_ROOT.resolve())


@pytest.mark.parametrize(
    "path",
    [
        "/media/clips/../../../etc/passwd",
        "/media/clips/%2e%2e/%2e%2e/etc/passwd",
        "/media/clips/1/../../../manage.py",
        "/public/clips/..%2F..%2Fmanage.py/",
        "/static/../manage.py",
    ],
)
def test_addresses_with_dot_dot_serve_no_file_outside(path, victim):
    client = Client()
    client.force_login(victim.user)
    answer = client.get(path)
    body = b"".join(answer.streaming_content) if answer.streaming else answer.content
    assert answer.status_code in (403, 404)
    assert b"root:" not in body and b"DJANGO_SETTINGS_MODULE" not in body


# --- signed links ------------------------------------------------------------------------------


def _token(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[1]


def test_a_signed_link_cannot_be_turned_to_another_clip(client):
    mine, theirs = ClipFactory(), ClipFactory()
    token = _token(clip_signed_url(clip_id=mine.pk))
    sig = token.rpartition(":")[2]
    forged_payload = signing.dumps({"c": theirs.pk, "e": int(time.time()) + 3600}, salt=SALT)
    spliced = forged_payload.rpartition(":")[0] + ":" + sig

    for forged in (spliced, signing.dumps({"c": theirs.pk, "e": 9999999999}, salt="other")):
        assert client.get(f"/public/clips/{forged}/").status_code == 403


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-1],
        lambda t: t + "A",
        lambda t: t.upper(),
        lambda t: t.split(":")[0],
        lambda t: "",
        lambda t: t.replace(":", ".", 1),
    ],
    ids=["cut", "longer", "case", "no-signature", "empty", "separator"],
)
def test_a_tampered_signed_link_is_refused(client, mutate):
    clip = ClipFactory()
    forged = mutate(_token(clip_signed_url(clip_id=clip.pk)))
    answer = client.get(f"/public/clips/{forged}/") if forged else client.get("/public/clips//")
    assert answer.status_code in (403, 404)


def test_an_expired_signed_link_is_refused_even_with_a_valid_signature(client, monkeypatch):
    clip = ClipFactory()
    url = clip_signed_url(clip_id=clip.pk, ttl_seconds=5)
    assert client.get(urlsplit(url).path).status_code == 200
    later = time.time() + 6
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(urlsplit(url).path).status_code == 403


def test_a_signed_link_is_for_reading_only(client):
    clip = ClipFactory()
    path = urlsplit(clip_signed_url(clip_id=clip.pk)).path
    assert client.post(path).status_code == 405
    assert client.delete(path).status_code == 405
