"""Fixtures of the stats tests: fake platform hosts for ``responses`` and published rows.

``platform_api`` is a strict ``responses`` mock: a request nobody registered fails the test, so
a platform that must not be asked (Telegram, a dead connection) is shown not to be.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.utils import timezone

from platforms.models import PlatformConnection
from publishing.models import Publication, PublicationStatus
from tests.factories import ClipFactory, PlatformConnectionFactory, PublicationFactory

VK = "https://api.vk.test/method"
VK_ID = "https://id.vk.test"
RUTUBE = "https://rutube.test/api"
DZEN = "https://dzen.test/api"
YANDEX = "https://oauth.yandex.test"

Figures = tuple[int, int, int, int]


@pytest.fixture(autouse=True)
def _stats_settings(settings: Any) -> None:
    settings.VK_API_URL = VK
    settings.VK_ID_URL = VK_ID
    settings.RUTUBE_API_URL = RUTUBE
    settings.DZEN_API_URL = DZEN
    settings.YANDEX_OAUTH_URL = YANDEX
    settings.VK_CLIENT_ID = "vk-client"
    settings.YANDEX_CLIENT_ID = "ya-client"
    settings.YANDEX_CLIENT_SECRET = "ya-secret"
    settings.STATS_FRESH_WINDOW_SECONDS = 48 * 3600
    settings.STATS_FRESH_INTERVAL_SECONDS = 3600
    settings.STATS_INTERVAL_SECONDS = 6 * 3600
    settings.STATS_RETRY_SECONDS = 900
    settings.STATS_GONE_CONFIRM_SECONDS = 600
    settings.STATS_SYNC_RUN_SECONDS = 20.0
    settings.STATS_SYNC_THREADS = 4


@pytest.fixture
def platform_api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def params(request: Any) -> dict[str, str]:
    """The query and form parameters of a recorded request."""
    found = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    if request.body and isinstance(request.body, str | bytes):
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        found.update({k: v[0] for k, v in parse_qs(body).items()})
    return found


class FakeVK:
    """``video.get`` answering from ``figures`` (``"<owner>_<id>" → (views, likes, comments,
    shares)``); ids not in it are left out, as VK does for deleted or hidden videos."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.figures: dict[str, Figures] = {}
        self.error: dict[str, Any] | None = None
        self.expired: set[str] = set()  # tokens VK answers error 5 for
        self.tokens: list[str] = []
        for method in (responses.GET, responses.POST):
            mock.add_callback(method, f"{VK}/video.get", callback=self._answer)
        self.mock = mock

    def _answer(self, request: Any) -> tuple[int, dict[str, str], str]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.tokens.append(token)
        if token in self.expired:
            error = {"error_code": 5, "error_msg": "User authorization failed: expired."}
            return 200, {}, json.dumps({"error": error})
        if self.error is not None:
            return 200, {}, json.dumps({"error": self.error})
        ids = params(request)["videos"].split(",")
        items = [
            {
                "owner_id": int(key.split("_")[0]),
                "id": int(key.split("_")[1]),
                "views": views,
                "likes": {"count": likes},
                "comments": comments,
                "reposts": {"count": shares},
            }
            for key in ids
            if key in self.figures
            for views, likes, comments, shares in [self.figures[key]]
        ]
        return 200, {}, json.dumps({"response": {"count": len(items), "items": items}})

    @property
    def calls(self) -> list[Any]:
        return [c for c in self.mock.calls if "/video.get" in c.request.url]

    def asked(self) -> list[list[str]]:
        return [params(c.request)["videos"].split(",") for c in self.calls]


@pytest.fixture
def fake_vk(platform_api: responses.RequestsMock) -> FakeVK:
    return FakeVK(platform_api)


def vk_connection(user: Any = None, **kwargs: Any) -> PlatformConnection:
    defaults: dict[str, Any] = {
        "platform": "vk",
        "tokens": ("vk-access", "vk-refresh"),
        "extra": {"device_id": "dev-1"},
    }
    if user is not None:
        defaults["user"] = user
    return PlatformConnectionFactory(**{**defaults, **kwargs})


def published(
    connection: PlatformConnection,
    handle_id: str,
    *,
    published_at: datetime | None = None,
    platform: str | None = None,
    **kwargs: Any,
) -> Publication:
    """A publication of ``connection``'s owner, published with the platform id ``handle_id``."""
    return PublicationFactory(
        clip=ClipFactory(owner=connection.user),
        platform=platform or connection.platform,
        status=PublicationStatus.PUBLISHED,
        published_at=published_at or timezone.now() - timedelta(minutes=5),
        platform_handle={"id": handle_id, "data": {}},
        **kwargs,
    )


def vk_published(connection: PlatformConnection, n: int, **kwargs: Any) -> list[Publication]:
    owner = connection.account_id
    return [published(connection, f"{owner}_{i + 1}", **kwargs) for i in range(n)]


def reload(publication: Publication) -> Publication:
    return Publication.objects.select_related("stats_track").get(pk=publication.pk)
