"""Fixtures for the engine's tests.

Unit tests of the engine (rules, transitions, attempt, processing, sweeps, services) publish
through the scripted ``fake`` platform (``tests/fixtures/fake_provider.py``) with a Pro user, a
clip and an ordinary connection row; ``engine_settings`` gives them the production retry
arithmetic. The integration tests connect to the sandbox instead (``connect``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms.constants import Platform
from platforms.models import PlatformConnection
from publishing.models import Publication
from tests.factories import ClipFactory, PlatformConnectionFactory, UserFactory


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


@pytest.fixture
def engine_settings(settings: Any) -> Any:
    """The engine's arithmetic as production has it: retries after 5, 15 and 60 minutes, a
    25-minute lease, and no platform rate limits in the way (tests of the limiter lift this)."""
    settings.PUBLISH_RETRY_DELAYS = [300, 900, 3600]
    settings.PUBLISH_LEASE_SECONDS = 1500
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    return settings


@pytest.fixture
def user(db: Any) -> Any:
    return UserFactory(plan=Plan.PRO)


@pytest.fixture
def clip(user: Any) -> Any:
    return ClipFactory(owner=user)


@pytest.fixture
def connection(user: Any, fake: Any) -> PlatformConnection:
    """The user's active connection to the fake platform."""
    return PlatformConnectionFactory(user=user, platform=fake.name, account_id="123")


@dataclass(frozen=True)
class SentTask:
    name: str
    args: list[Any]
    queue: str | None
    eta: Any


@pytest.fixture
def broker(monkeypatch: Any) -> list[SentTask]:
    """The messages the engine sends to the workers, recorded instead of sent (in order)."""
    from clipmaker.celery import app

    sent: list[SentTask] = []

    def send_task(name: str, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        sent.append(SentTask(name, list(args or []), options.get("queue"), options.get("eta")))

    monkeypatch.setattr(app, "send_task", send_task)
    return sent


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
