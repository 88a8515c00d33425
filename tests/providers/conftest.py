"""Shared fixtures for provider tests: every base URL at its fake host, a strict HTTP mock,
misbehaving servers on real sockets, and the contract's parametrisation over the registry.

Every test gets ``api``: a ``responses`` mock that fails on any unmatched request and on any
registered answer that was not used, so each test states exactly the calls it expects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from .contract import ContractSpec, contract_platforms, spec_for
from .support import USER_AGENT, MisbehavingServer


@pytest.fixture(autouse=True)
def platform_settings(settings, fake_platform_urls):  # type: ignore[no-untyped-def]
    settings.PLATFORM_USER_AGENT = USER_AGENT
    settings.VK_API_VERSION = "5.199"
    settings.VK_CLIENT_ID = "vk-client-id"
    settings.YANDEX_CLIENT_ID = "ya-client-id"
    settings.YANDEX_CLIENT_SECRET = "ya-client-secret-value"
    settings.TELEGRAM_LOCAL_API = False
    settings.TELEGRAM_LOCAL_BOT_API = False
    return settings


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def misbehaving_server() -> Iterator[Callable[..., MisbehavingServer]]:
    servers: list[MisbehavingServer] = []

    def make(behaviour: str, read_limit: int | None = None) -> MisbehavingServer:
        servers.append(MisbehavingServer(behaviour, read_limit=read_limit))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def pytest_generate_tests(metafunc: Any) -> None:
    """A shared contract case runs once per registered platform it applies to."""
    if "contract" in metafunc.fixturenames:
        platforms = contract_platforms(metafunc.function)
        metafunc.parametrize("contract", platforms, indirect=True, ids=platforms)


@pytest.fixture
def contract(request: Any) -> ContractSpec:
    """The platform's contract spec: the data the shared cases need about its answers."""
    return spec_for(request.param)()
