"""Helpers for the engine's tests: connections the sandbox accepts, and waiting on rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from platforms.constants import Platform
from platforms.models import PlatformConnection
from publishing.models import Publication
from tests.factories import PlatformConnectionFactory


def sandbox_connection(control: Any, *, user: Any, platform: str) -> PlatformConnection:
    """A connection holding credentials the sandbox issued, as connecting would store them."""
    creds = control.issue_credentials(platform)
    if platform == Platform.TELEGRAM:
        chat = creds.get("chat") or {}
        return PlatformConnectionFactory(
            user=user,
            platform=platform,
            account_id=str(chat.get("id", "")),
            account_name=str(chat.get("title", "Канал")),
            extra={
                "chat_id": chat.get("id") or creds["chat_id"],
                "chat_username": chat.get("username", ""),
                "bot_id": creds["bot_id"],
            },
            tokens=(creds["token"], None),
        )
    if platform == Platform.RUTUBE:
        return PlatformConnectionFactory(
            user=user,
            platform=platform,
            account_id=creds["account_id"],
            account_name=creds["account_name"],
            extra={},
            tokens=(creds["token"], None),
        )
    extra: dict[str, Any] = {}
    if creds.get("device_id"):
        extra["device_id"] = creds["device_id"]
    return PlatformConnectionFactory(
        user=user,
        platform=platform,
        account_id=str(creds["account_id"]),
        account_name=creds["account_name"],
        expires_at=timezone.now() + timedelta(seconds=int(creds.get("expires_in") or 3600)),
        extra=extra,
        tokens=(creds["access_token"], creds.get("refresh_token")),
    )


@pytest.fixture
def connect(sandbox: Any) -> Callable[..., PlatformConnection]:
    def make(user: Any, *platforms: str) -> PlatformConnection:
        conn = None
        for platform in platforms:
            conn = sandbox_connection(sandbox.control, user=user, platform=platform)
        assert conn is not None
        return conn

    return make


def status_of(publication: Publication) -> str:
    return Publication.objects.values_list("status", flat=True).get(pk=publication.pk)


@pytest.fixture(autouse=True)
def _private_broker(settings: Any, tmp_path: Any) -> Any:
    """Messages sent by unit tests go to a folder of their own (embedded broker only)."""
    from tests.fixtures.worker import _reset_producer

    if settings.REDIS_URL:
        yield
        return
    from clipmaker.celery import app

    saved = dict(app.conf.broker_transport_options or {})
    broker = tmp_path / "unit-broker"
    for sub in ("out", "processed", "control"):
        (broker / sub).mkdir(parents=True, exist_ok=True)
    app.conf.broker_transport_options = {
        **saved,
        "data_folder_in": str(broker / "out"),
        "data_folder_out": str(broker / "out"),
        "data_folder_processed": str(broker / "processed"),
        "control_folder": str(broker / "control"),
    }
    _reset_producer(app)
    yield
    app.conf.broker_transport_options = saved
    _reset_producer(app)
