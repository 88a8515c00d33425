"""Fixtures for connection tests: fake platform hosts, an isolated cache, users and clients.

``fake_platforms`` points every platform URL at its fake host for ``responses`` (derived from
the adapters' declarations: ``tests/fixtures/platform_urls.py``); the sandbox
tests use the ``sandbox`` fixture instead. Every test gets its own cache (a file cache in a
temporary directory, or a flushed Redis database when REDIS_URL is set), so OAuth states and
throttle counters never leak between tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses
from django.core.cache import cache
from django.test import Client

from clipmaker.accounts.models import Plan
from tests.factories import UserFactory

PUBLIC_BASE_URL = "https://clipmaker.test"


@pytest.fixture(autouse=True)
def isolated_cache(settings: Any, tmp_path: Any) -> Iterator[None]:
    if not settings.REDIS_URL:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake_platforms(settings: Any, fake_platform_urls: dict[str, str]) -> Any:
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.VK_CLIENT_ID = "vk-client-id"
    settings.VK_CLIENT_SECRET = "vk-client-secret"
    settings.YANDEX_CLIENT_ID = "ya-client-id"
    settings.YANDEX_CLIENT_SECRET = "ya-client-secret"
    return settings


@pytest.fixture
def http(fake_platforms: Any) -> Iterator[responses.RequestsMock]:
    """A strict ``responses`` mock: unmatched requests fail, unused answers fail the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def user(db: Any) -> Any:
    return UserFactory(plan=Plan.PRO)


@pytest.fixture
def web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def messages_of() -> Any:
    def _messages(response: Any) -> list[str]:
        return [str(m) for m in response.context["messages"]] if response.context else []

    return _messages
