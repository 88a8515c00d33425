"""Expired tokens during a sync: one locked refresh and a retry, or the connection is marked
expired and its rows wait for the user to reconnect."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

import pytest
import responses

from platforms.models import ConnectionStatus, PlatformConnection
from stats.services import stats_sync
from tests.factories import PlatformConnectionFactory
from tests.stats.conftest import RUTUBE, VK_ID, published, reload, vk_connection, vk_published

pytestmark = pytest.mark.django_db

REFRESHED = {
    "access_token": "vk-access-2",
    "refresh_token": "vk-refresh-2",
    "expires_in": 3600,
    "user_id": 1,
    "token_type": "Bearer",
}


def handle(pub) -> str:
    return pub.platform_handle["id"]


def events(caplog, name):
    return [r for r in caplog.records if r.getMessage() == name]


def test_expired_token_is_refreshed_once_and_the_batch_retried(platform_api, fake_vk, caplog):
    caplog.set_level(logging.INFO, logger="clipmaker.events")
    conn = vk_connection()
    pubs = vk_published(conn, 2)
    for pub in pubs:
        fake_vk.figures[handle(pub)] = (12, 1, 0, 0)
    fake_vk.expired.add("vk-access")
    platform_api.add(responses.POST, f"{VK_ID}/oauth2/auth", json=REFRESHED)

    result = stats_sync()

    assert fake_vk.tokens == ["vk-access", "vk-access-2"]
    refresh = [c for c in platform_api.calls if "/oauth2/auth" in c.request.url]
    assert len(refresh) == 1
    sent = {k: v[0] for k, v in parse_qs(refresh[0].request.body).items()}
    assert (sent["grant_type"], sent["refresh_token"]) == ("refresh_token", "vk-refresh")
    assert (result.changed, result.expired_connections) == (2, 0)
    stored = PlatformConnection.objects.get(pk=conn.pk)
    assert stored.status == ConnectionStatus.ACTIVE
    assert stored.get_token("access_token") == "vk-access-2"
    assert [r.fields["connection_id"] for r in events(caplog, "token_refresh_success")] == [
        str(conn.pk)
    ]
    assert "vk-access" not in caplog.text and "vk-refresh" not in caplog.text


def test_refused_refresh_marks_the_connection_expired_and_leaves_its_rows(
    platform_api, fake_vk, caplog
):
    caplog.set_level(logging.INFO, logger="clipmaker.events")
    conn = vk_connection()
    pubs = vk_published(conn, 2)
    fake_vk.expired.add("vk-access")
    platform_api.add(
        responses.POST,
        f"{VK_ID}/oauth2/auth",
        status=400,
        json={"error": "invalid_grant", "error_description": "refresh token is revoked"},
    )

    result = stats_sync()

    stored = PlatformConnection.objects.get(pk=conn.pk)
    assert stored.status == ConnectionStatus.EXPIRED
    assert result.expired_connections == 1
    assert (result.failed, result.changed) == (0, 0)
    track = reload(pubs[0]).stats_track
    assert (track.checked_at, track.failures) == (None, 0)
    [expired] = events(caplog, "stats_connection_expired")
    assert expired.levelno == logging.WARNING
    assert expired.fields["connection_id"] == str(conn.pk)
    # From now on the sync does not ask about that account at all.
    assert stats_sync().publications == 0
    assert len(fake_vk.calls) == 1


def test_a_token_refused_right_after_a_refresh_marks_the_connection_expired(platform_api, fake_vk):
    conn = vk_connection()
    vk_published(conn, 1)
    fake_vk.expired.update({"vk-access", "vk-access-2"})
    platform_api.add(responses.POST, f"{VK_ID}/oauth2/auth", json=REFRESHED)

    result = stats_sync()

    assert fake_vk.tokens == ["vk-access", "vk-access-2"]  # refreshed once, never looped
    assert result.expired_connections == 1
    stored = PlatformConnection.objects.get(pk=conn.pk)
    assert stored.status == ConnectionStatus.EXPIRED
    assert "Переподключите" in stored.last_error


def test_rutube_token_refused_marks_the_connection_expired(platform_api):
    conn = PlatformConnectionFactory(platform="rutube", tokens=("rt-token", None))
    [pub] = [published(conn, "a" * 32)]
    platform_api.add(
        responses.GET,
        f"{RUTUBE}/video/{'a' * 32}/",
        status=401,
        body=json.dumps({"detail": "Invalid token."}),
        content_type="application/json",
    )

    result = stats_sync()

    assert result.expired_connections == 1
    assert PlatformConnection.objects.get(pk=conn.pk).status == ConnectionStatus.EXPIRED
    assert reload(pub).stats_track.checked_at is None
