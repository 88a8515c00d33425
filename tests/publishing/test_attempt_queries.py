"""One publish attempt touches its row a small, fixed number of times.

Each statement is a round trip a worker waits for between platform calls, so the count is part
of the engine's throughput (docs/performance.md). The platform here is a throw-away adapter
that stores its handle, sends the clip and publishes at once, like VK and Дзен do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms.constants import MB
from platforms.providers import (
    AccountInfo,
    PlatformHandle,
    PlatformProvider,
    PublishResult,
    PublishState,
)
from platforms.providers.registry import registered
from publishing.attempt import publication_execute
from publishing.models import Publication, PublicationStatus
from tests.factories import ClipFactory, PlatformConnectionFactory, PublicationFactory, UserFactory

PLATFORM = "instantvideo"


class InstantProvider(PlatformProvider):
    platform: ClassVar[str] = PLATFORM
    label: ClassVar[str] = "Мгновенное видео"
    max_file_size: ClassVar[int] = 10 * MB
    upload_timeout: ClassVar[float] = 10.0
    resumes: ClassVar[list[PlatformHandle | None]] = []

    def verify(self, *, credentials: Any) -> AccountInfo:
        return AccountInfo(account_id="1", account_name="Канал")

    def publish(self, *, credentials: Any, clip: Any, meta: Any, resume: Any, **hooks: Any) -> Any:
        self.resumes.append(resume)
        handle = resume or PlatformHandle(id="v1")
        hooks["on_handle"](handle)
        with clip.open() as fh:
            hooks["progress"](len(fh.read()))
        hooks["on_handle"](handle.with_data(uploaded=True))
        return PublishResult(state=PublishState.PUBLISHED, handle=handle, url="https://i.test/v1")

    def check(self, *, credentials: Any, handle: PlatformHandle) -> PublishResult:
        raise AssertionError("published at once: nothing to check")


@pytest.fixture
def instant(settings: Any) -> Iterator[type[InstantProvider]]:
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    InstantProvider.resumes = []
    with registered(InstantProvider):
        yield InstantProvider


def _queued(**fields: Any) -> Publication:
    user = UserFactory(plan=Plan.BUSINESS)
    PlatformConnectionFactory(user=user, platform=PLATFORM)
    now = timezone.now()
    return PublicationFactory(
        clip=ClipFactory(owner=user),
        platform=PLATFORM,
        queued_at=now,
        next_attempt_at=now,
        enqueued_at=now,
        **fields,
    )


@pytest.mark.django_db
def test_an_attempt_reads_its_row_twice_and_writes_once_per_step(instant):
    pub = _queued()

    with CaptureQueriesContext(connection) as ctx:
        publication_execute(publication_id=pub.pk)

    pub.refresh_from_db()
    assert pub.status == PublicationStatus.PUBLISHED
    # Row (with clip, owner and destination) and connection; the places the plan allows; claim
    # and its reload; handle before the upload, progress, handle after it; the final write.
    assert len(ctx.captured_queries) <= 9, [q["sql"][:80] for q in ctx.captured_queries]


@pytest.mark.django_db
def test_a_retry_resumes_the_handle_the_row_holds_at_its_claim(instant):
    stored = PlatformHandle(id="v7", data={"uploaded": False})
    pub = _queued(platform_handle=stored.to_json(), attempts=1)

    publication_execute(publication_id=pub.pk)

    assert InstantProvider.resumes == [stored]
    pub.refresh_from_db()
    assert (pub.status, pub.platform_video_id) == (PublicationStatus.PUBLISHED, "v7")
