"""Shared fixtures for provider tests: platform URLs pointed at fake hosts and a strict HTTP mock.

Every test gets ``api``: a ``responses`` mock that fails on any unmatched request and on any
registered answer that was not used, so each test states exactly the calls it expects.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from .support import TEST_URLS, USER_AGENT


@pytest.fixture(autouse=True)
def platform_settings(settings):  # type: ignore[no-untyped-def]
    for name, value in TEST_URLS.items():
        setattr(settings, name, value)
    settings.PLATFORM_USER_AGENT = USER_AGENT
    settings.VK_API_VERSION = "5.199"
    settings.VK_CLIENT_ID = "vk-client-id"
    settings.YANDEX_CLIENT_ID = "ya-client-id"
    settings.YANDEX_CLIENT_SECRET = "ya-client-secret-value"
    settings.TELEGRAM_LOCAL_BOT_API = False
    return settings


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
