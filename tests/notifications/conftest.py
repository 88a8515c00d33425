"""Fixtures for notification tests: a Pro user with an address, the letters the e-mail task
would be asked to send (recorded, then run by hand), Django's in-memory mail outbox."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from clipmaker.accounts.models import Plan
from tests.factories import ClipFactory, UserFactory


@pytest.fixture(autouse=True)
def _private_cache(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"notifications-{uuid.uuid4()}",
        }
    }


@pytest.fixture(autouse=True)
def _mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATION_DIGEST_SECONDS = 60
    settings.PLATFORM_RATE_LIMITS_ENABLED = False


@pytest.fixture
def enqueued(monkeypatch: Any) -> list[int]:
    """The user ids a send task was queued for (the broker is not involved)."""
    from clipmaker.notifications import emails

    sent: list[int] = []
    monkeypatch.setattr(
        emails, "notification_emails_enqueue", lambda *, user_id: sent.append(user_id) or True
    )
    return sent


@pytest.fixture
def user(db: Any) -> Any:
    return UserFactory(plan=Plan.PRO, email="anna@example.ru")


@pytest.fixture
def clip(user: Any) -> Any:
    return ClipFactory(owner=user, title="Мой клип")


@pytest.fixture
def client_in(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client
