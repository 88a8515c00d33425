"""Fixtures for the clip pages and API tests: a Pro user with four connections and a clip."""

from __future__ import annotations

import uuid

import pytest

from clipmaker.accounts.models import Plan
from platforms.providers import platform_values
from tests.factories import ClipFactory, PlatformConnectionFactory, UserFactory


@pytest.fixture(autouse=True)
def _private_cache(settings):  # type: ignore[no-untyped-def]
    """A cache of this test's own: throttle counters never leak between tests or runs."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"pages-{uuid.uuid4()}",
        }
    }


@pytest.fixture
def user(db):  # type: ignore[no-untyped-def]
    return UserFactory(plan=Plan.PRO)


@pytest.fixture
def connected(user):  # type: ignore[no-untyped-def]
    """Active connections to all four platforms for ``user``."""
    return {
        platform: PlatformConnectionFactory(user=user, platform=platform)
        for platform in platform_values()
    }


@pytest.fixture
def clip(user):  # type: ignore[no-untyped-def]
    return ClipFactory(owner=user, title="Мой клип", description="Описание клипа")


@pytest.fixture
def other_clip(db):  # type: ignore[no-untyped-def]
    return ClipFactory(owner=UserFactory(plan=Plan.PRO), title="Чужой клип")


@pytest.fixture
def client_in(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client
