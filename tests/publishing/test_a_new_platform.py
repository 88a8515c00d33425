"""Adding a platform is writing its adapter: a throw-away platform, end to end.

``ExamplePlatform`` is invented here and registered only for these tests. It speaks HTTP
through the base class's helpers (mocked with ``responses`` at the fake host derived from its
own ``base_urls``), and nothing outside this file knows it: publishing, the settings page, the
clip page, the API and its schema find it through the registry alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from typing import Any

import pytest
import responses
import yaml
from django.utils import timezone
from drf_spectacular.plumbing import _load_enum_name_overrides
from rest_framework.test import APIClient

from clipmaker.accounts.models import Plan
from clipmaker.queues import worker_queues
from platforms.constants import MB
from platforms.models import PlatformConnection
from platforms.providers import registry
from platforms.providers.base import PlatformProvider
from platforms.providers.types import (
    AccountInfo,
    BaseUrl,
    ClipFile,
    ConnectField,
    Credentials,
    HandleCallback,
    PlatformHandle,
    ProgressCallback,
    PublishMeta,
    PublishResult,
    PublishState,
    Rate,
)
from publishing.attempt import publication_execute
from publishing.models import Publication, PublicationStatus
from publishing.processing import publication_check
from publishing.queue import CHECK_TASK_NAME, publish_task_name
from publishing.serializers import PublishRequestSerializer
from publishing.services import publication_create
from publishing.sweeps import publications_dispatch_due
from tests.factories import ClipFactory, PlatformConnectionFactory, UserFactory
from tests.fixtures.platform_urls import point_at_fake_hosts

from .support import reload

TOKEN = "example-SECRET-key-0123456789"
API = "https://api.example.test/v2"  # the fake twin of the real host it declares
UPLOAD_URL = "https://upload.example.test/put/ex-1?sig=s1gn4ture"


class ExamplePlatform(PlatformProvider):
    """A platform that creates a video, takes its file by PUT and processes it."""

    platform = "example"
    label = "Пример"
    order = 50
    max_file_size = 100 * MB
    upload_timeout = 120.0
    account_rate = Rate(per_second=5.0, burst=5.0)
    worker_rate_limit = "5/s"
    base_urls = (
        BaseUrl("EXAMPLE_API_URL", "https://api.example.com/v2", "example/v2"),
        BaseUrl("EXAMPLE_WEB_URL", "https://example.com", "web/example"),
    )
    connect_fields = (
        ConnectField(
            name="token",
            label="Ключ API Примера",
            required_message="Вставьте ключ API Примера.",
            secret=True,
        ),
    )

    def call(self, method: str, path: str, credentials: Credentials, **kwargs: Any) -> Any:
        token = credentials.access_token
        return self.request_json(
            method,
            f"{self.url('EXAMPLE_API_URL')}/{path}",
            headers={"Authorization": f"Key {token}"},
            secrets=[token],
            **kwargs,
        )

    def verify(self, *, credentials: Credentials) -> AccountInfo:
        me = self.call("GET", "me", credentials)
        return AccountInfo(account_id=str(me["id"]), account_name=str(me["name"]))

    def publish(
        self,
        *,
        credentials: Credentials,
        clip: ClipFile,
        meta: PublishMeta,
        resume: PlatformHandle | None,
        progress: ProgressCallback,
        on_handle: HandleCallback,
    ) -> PublishResult:
        if resume is not None and resume.data.get("uploaded"):
            return self.check(credentials=credentials, handle=resume)
        fileobj = self.open_clip(clip)
        with closing(fileobj):
            handle = resume
            if handle is None:
                created = self.call(
                    "POST",
                    "videos",
                    credentials,
                    json={"title": meta.title, "text": meta.description},
                )
                handle = PlatformHandle(
                    id=str(created["id"]),
                    data={"upload_url": created["upload_url"], "uploaded": False},
                )
                on_handle(handle)
            upload_url = str(handle.data["upload_url"])
            self.request_json(
                "PUT",
                upload_url,
                body=self.raw_upload_body(fileobj=fileobj, clip=clip, progress=progress),
                secrets=[upload_url],
                timeout=self.upload_timeouts(),
                upload_timeout=self.upload_timeout,
            )
        handle = handle.with_data(uploaded=True)
        on_handle(handle)
        return PublishResult(state=PublishState.PROCESSING, handle=handle, url=self.link(handle))

    def check(self, *, credentials: Credentials, handle: PlatformHandle) -> PublishResult:
        video = self.call("GET", f"videos/{handle.id}", credentials)
        ready = video.get("state") == "ready"
        return PublishResult(
            state=PublishState.PUBLISHED if ready else PublishState.PROCESSING,
            handle=handle,
            url=self.link(handle),
        )

    def link(self, handle: PlatformHandle) -> str:
        return f"{self.url('EXAMPLE_WEB_URL')}/watch/{handle.id}"


def _forget_the_schemas_platform_enum() -> None:
    # drf-spectacular reads ENUM_NAME_OVERRIDES (PlatformEnum ← the registry) once per process;
    # a platform whose module is present at start is in it. Registering one mid-process stands
    # for that start, so the snapshot is dropped on the way in and out (no test sees another's).
    _load_enum_name_overrides.cache_clear()


@pytest.fixture
def example(settings: Any) -> Iterator[type[ExamplePlatform]]:
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    with registry.registered(ExamplePlatform):
        _forget_the_schemas_platform_enum()
        point_at_fake_hosts(settings)
        yield ExamplePlatform
    _forget_the_schemas_platform_enum()


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def user(db: Any) -> Any:
    return UserFactory(plan=Plan.PRO)


@pytest.fixture
def web(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def test_a_clip_is_published_to_the_new_platform_end_to_end(example, http, broker, user):
    clip = ClipFactory(owner=user)
    PlatformConnectionFactory(user=user, platform="example", tokens=(TOKEN, None))
    http.post(f"{API}/videos", status=201, json={"id": "ex-1", "upload_url": UPLOAD_URL})
    http.put(UPLOAD_URL, json={"ok": True})
    http.get(f"{API}/videos/ex-1", json={"state": "processing"})  # the quick look after upload
    http.get(f"{API}/videos/ex-1", json={"state": "ready"})  # the next check

    # The user schedules it; the dispatcher sends it to the platform's own queue.
    at = timezone.now() + timedelta(milliseconds=500)
    [pub] = publication_create(user=user, clip=clip, platforms=["example"], scheduled_at=at)
    assert publications_dispatch_due() == 1
    assert [(m.name, m.args, m.queue) for m in broker] == [
        (publish_task_name("example"), [pub.pk], "example")
    ]
    assert "example" in worker_queues()

    # A worker runs the attempt: the video is created, its file sent, the platform processes.
    publication_execute(publication_id=pub.pk)
    pub = reload(pub)
    assert pub.status == PublicationStatus.PUBLISHING
    assert pub.platform_handle == {
        "id": "ex-1",
        "data": {"upload_url": UPLOAD_URL, "uploaded": True},
    }
    assert broker[-1].name == CHECK_TASK_NAME

    # The check finds it ready.
    publication_check(publication_id=pub.pk)
    pub = reload(pub)
    assert pub.status == PublicationStatus.PUBLISHED
    assert pub.platform_url == "https://example.com/watch/ex-1"
    assert pub.bytes_sent == pub.bytes_total
    assert pub.attempts == 1

    create, upload = http.calls[0].request, http.calls[1].request
    assert create.headers["Authorization"] == f"Key {TOKEN}"
    assert upload.body == clip.file.open("rb").read()
    assert "Authorization" not in upload.headers


def test_its_connect_form_appears_on_the_settings_page_and_connects(example, http, web, user):
    http.get(f"{API}/me", json={"id": 77, "name": "Студия Анны"})

    settings_page = web.get("/settings/platforms/").content.decode()
    form_page = web.get("/settings/platforms/example/connect/").content.decode()
    response = web.post("/settings/platforms/example/connect/", {"token": TOKEN}, follow=True)

    assert 'id="platform-example"' in settings_page and "Пример" in settings_page
    assert "/settings/platforms/example/connect/" in settings_page
    assert "Ключ API Примера" in form_page and 'name="token"' in form_page
    assert "Пример подключён как Студия Анны." in response.content.decode()
    connection = PlatformConnection.objects.get(user=user, platform="example")
    assert (connection.account_id, connection.get_token("access_token")) == ("77", TOKEN)
    assert http.calls[0].request.headers["Authorization"] == f"Key {TOKEN}"


def test_its_connect_form_refuses_an_empty_key_in_its_own_words(example, web):
    response = web.post("/settings/platforms/example/connect/", {"token": ""})

    assert "Вставьте ключ API Примера." in response.content.decode()
    assert not PlatformConnection.objects.filter(platform="example").exists()


def test_its_choice_is_in_the_api_the_schema_and_the_clip_page(example, user, web):
    clip = ClipFactory(owner=user)
    PlatformConnectionFactory(user=user, platform="example", tokens=(TOKEN, None))
    api = APIClient()
    api.force_authenticate(user)

    schema = yaml.safe_load(api.get("/api/schema/").content)
    platforms = api.get("/api/v1/platforms/").json()
    published = api.post(
        f"/api/v1/clips/{clip.pk}/publish/", {"platforms": ["example"]}, format="json"
    )
    page = web.get(f"/clips/{clip.pk}/").content.decode()

    assert "example" in schema["components"]["schemas"]["PlatformEnum"]["enum"]
    assert PublishRequestSerializer(data={"platforms": ["example"]}).is_valid()
    assert {p["platform"]: p["status"] for p in platforms}["example"] == "active"
    assert published.status_code == 201, published.content
    assert published.json()[0]["platform"] == "example"
    assert 'data-platform="example"' in page
    assert Publication.objects.get(clip=clip).status == PublicationStatus.QUEUED


def test_nothing_of_it_is_left_once_it_is_gone(example, user):
    # Registered for the length of a test only: the next test's registry is the real one.
    assert PublishRequestSerializer(data={"platforms": ["example"]}).is_valid()
    registry.unregister("example")
    try:
        serializer = PublishRequestSerializer(data={"platforms": ["example"]})
        assert not serializer.is_valid()
        assert "example" not in worker_queues()
    finally:
        registry.register(ExamplePlatform)
