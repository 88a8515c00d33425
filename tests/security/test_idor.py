"""Another user's objects, on every route that takes an id, generated from the URL conf: the
answer is exactly the answer for an id that does not exist (404), nothing of the owner's shows,
and nothing of the owner's changes. A new route with an id is attacked without being listed
here; a new kind of id fails ``test_every_route_with_an_id_is_classified`` until it is."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from knox.models import AuthToken

from clipmaker.accounts.tokens import api_token_create, token_short_id
from clipmaker.clips.models import ClipUpload
from clipmaker.clips.resumable import upload_create
from publishing.models import Publication, PublicationStatus
from tests.security.routes import Route, all_routes

pytestmark = pytest.mark.django_db

# Parameters that name no object of anyone's: each user acts on their own connection to a
# platform; a signed link is its own credential (tests/security/test_signed_urls.py).
NOT_OBJECT_IDS = {"platform", "signed"}
MISSING = {
    "clip": "999999",
    "publication": "999998",
    "token": "ffffff",
    "connection": "00000000-0000-4000-8000-000000000000",
    "destination": "999997",
    "notification": "999996",
    "upload": "00000000-0000-4000-8000-00000000000f",
}


def kind_of(route: Route, param: str) -> str | None:
    if param == "clip_id" or (param == "pk" and route.name.startswith("api-clip-")):
        return "clip"
    if param == "publication_id" or (param == "pk" and route.name.startswith("api-publication-")):
        return "publication"
    if param == "token_id":
        return "token"
    if param == "connection_id":
        return "connection"
    if param == "destination_id":
        return "destination"
    if param == "notification_id" or (param == "pk" and route.name.startswith("api-notification-")):
        return "notification"
    if param == "upload_id":
        return "upload"
    return None


ID_ROUTES = [r for r in all_routes() if set(r.params) - NOT_OBJECT_IDS]


def test_every_route_with_an_id_is_classified():
    assert ID_ROUTES, "the URL conf walk found no route with an id"
    unknown = [
        (r.template, p)
        for r in ID_ROUTES
        for p in r.params
        if p not in NOT_OBJECT_IDS
        if kind_of(r, p) is None
    ]
    assert unknown == [], f"say which object these ids name (kind_of): {unknown}"


def _url(route: Route, ids: dict[str, str]) -> str:
    values = {p: ids[kind_of(route, p)] for p in route.params if p not in NOT_OBJECT_IDS}
    return "/" + route.template.format(**values)


def _normalised(response: Any, ids: dict[str, str]) -> tuple[int, str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode(errors="replace")
    location = response.get("Location", "")
    for value in ids.values():
        # Only where an id stands in a path: small ids also occur in ordinary text.
        text = text.replace(f"/{value}/", "/<id>/")
        location = location.replace(f"/{value}/", "/<id>/")
    # CSRF tokens differ per answer.
    import re

    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    text = re.sub(r'"X-CSRFToken": "[^"]+"', "", text)
    return response.status_code, location + text


# Pages take the session; the API takes a session or a token.
ATTACKS = [
    pytest.param(route, auth, id=f"{route.name}-{auth}")
    for route in ID_ROUTES
    for auth in (("session", "token") if route.template.startswith("api/") else ("session",))
]


@pytest.mark.parametrize(("route", "auth"), ATTACKS)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_another_users_object_answers_like_a_missing_one(route, method, auth, victim, intruder):
    _, victim_token = api_token_create(user=victim.user)
    victim_token_id = token_short_id(AuthToken.objects.get(user=victim.user))
    client = Client()
    if auth == "session":
        client.force_login(intruder.user)
    else:
        _, key = api_token_create(user=intruder.user)
        client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    upload = upload_create(owner=victim.user, length=100, filename="victim.mp4")
    theirs = {
        "upload": str(upload.pk),
        "clip": str(victim.clip.pk),
        "publication": str(victim.publication.pk),
        "token": victim_token_id,
        "connection": str(victim.connection.pk),
        "destination": str(victim.destination.pk),
        "notification": str(victim.notification.pk),
    }

    attacked = getattr(client, method)(_url(route, theirs))
    missing = getattr(client, method)(_url(route, MISSING))

    assert _normalised(attacked, theirs) == _normalised(missing, MISSING)
    assert attacked.status_code in (302, 404, 405), attacked.status_code
    shown = _normalised(attacked, {})[1]
    assert victim.clip.title not in shown
    assert "ошибка victim" not in shown
    assert "Аккаунт victim" not in shown
    # Nothing of the victim's changed.
    victim.publication.refresh_from_db()
    assert victim.publication.status == PublicationStatus.FAILED
    assert Publication.objects.filter(clip=victim.clip).count() == 1
    assert AuthToken.objects.filter(user=victim.user).count() == 1
    victim.destination.refresh_from_db()
    victim.connection.refresh_from_db()
    assert victim.destination.enabled and victim.destination.removed_at is None
    assert victim.destination.custom_name == ""
    assert victim.connection.status == "active"
    victim.notification.refresh_from_db()
    assert victim.notification.read_at is None
    assert victim_token  # still works (checked by its row above)
    assert ClipUpload.objects.filter(pk=upload.pk).exists()


def test_the_owner_reaches_the_same_routes(victim):
    """The attack above means something only if the owner is let in on these routes."""
    client = Client()
    client.force_login(victim.user)
    assert client.get(f"/clips/{victim.clip.pk}/").status_code == 200
    assert client.get(f"/media/clips/{victim.clip.pk}/").status_code == 200
    assert client.get(f"/api/v1/clips/{victim.clip.pk}/").status_code == 200
    assert client.get(f"/api/v1/publications/{victim.publication.pk}/").status_code == 200
    assert client.get(f"/api/v1/destinations/{victim.destination.pk}/").status_code == 200
    place_remove = f"/settings/platforms/destinations/{victim.destination.pk}/remove/"
    assert client.get(place_remove).status_code == 200
    disconnect = f"/settings/platforms/connections/{victim.connection.pk}/disconnect/"
    assert client.get(disconnect).status_code == 200
    read = f"/api/v1/notifications/{victim.notification.pk}/read/"
    assert client.post(read).status_code == 200
