"""VK's two modes through the engine and the sandbox over HTTP: a Клип (shortVideo.*, 3001
polled by processing checks), a video with a wall post in a community, a refused account
retried as a video, drafts deleted, and no debris from a lost create answer."""

from __future__ import annotations

import pytest
from django.utils import timezone

from clipmaker.accounts.models import Plan
from platforms.constants import Platform
from platforms.sandbox.demo import connect_demo_user
from platforms.selectors import destinations_in_order
from publishing import transitions
from publishing.attempt import publication_execute
from publishing.models import Publication, PublicationStatus
from publishing.processing import publication_check
from publishing.services import PublicationStateError, publication_create, publication_retry
from tests.factories import ClipFactory, UserFactory

pytestmark = pytest.mark.live


def run(publication: Publication, *, checks: int = 20) -> Publication:
    """One attempt, then processing checks until the platform says it is done."""
    publication_execute(publication_id=publication.pk)
    for _ in range(checks):
        publication.refresh_from_db()
        if publication.status != PublicationStatus.PUBLISHING:
            break
        Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())
        publication_check(publication_id=publication.pk)
    publication.refresh_from_db()
    return publication


def methods(sandbox) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["method"] for e in sandbox.control.journal("vk")]


@pytest.fixture
def vk_places(sandbox, settings):  # type: ignore[no-untyped-def]
    """The demo user's VK page (Клипы by default) and community (videos with a wall post)."""
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    sandbox.control.set_processing_seconds(0)
    user = UserFactory(plan=Plan.PRO)
    connect_demo_user(user)
    page, community = [d for d in destinations_in_order(user=user) if d.platform == Platform.VK]
    return user, page, community


def test_the_demo_clip_goes_out_once_as_a_clip_and_once_as_a_video_to_a_community(
    sandbox, vk_places
):
    user, page, community = vk_places
    clip = ClipFactory(owner=user)

    as_clip, as_video = publication_create(
        user=user, clip=clip, destinations=[page.pk, community.pk]
    )
    start = sandbox.control.journal_last_id()
    as_clip = run(as_clip)
    clip_calls = [e["method"] for e in sandbox.control.journal("vk", since_id=start)]
    start = sandbox.control.journal_last_id()
    as_video = run(as_video)
    video_calls = [e["method"] for e in sandbox.control.journal("vk", since_id=start)]

    assert (as_clip.status, as_video.status) == ("published", "published")
    assert (as_clip.vk_mode, as_video.vk_mode) == ("clip", "video")
    assert [m for m in clip_calls if m.startswith("shortVideo")] == [
        "shortVideo.create",
        "shortVideo.edit",
        "shortVideo.publish",
    ]
    assert "video.save" not in clip_calls and "wall.post" not in clip_calls
    assert "video.save" in video_calls and "wall.post" in video_calls
    assert not any(m.startswith("shortVideo") for m in video_calls)
    group = community.extra["group_id"]
    assert as_clip.platform_url.endswith(
        f"/clip{page.external_id}_{as_clip.platform_handle['data']['video_id']}"
    )
    assert f"/wall-{group}_" in as_video.platform_url
    held = {v["id"]: v for v in sandbox.control.videos("vk")}
    assert held[str(as_clip.platform_handle["data"]["video_id"])]["extra"]["kind"] == "clip"
    assert held[str(as_video.platform_handle["data"]["video_id"])]["owner_id"] == -group


def test_the_watch_pages_show_a_clip_as_a_clip_and_a_video_with_its_wall_post(
    sandbox, vk_places, client
):
    import requests

    user, page, community = vk_places
    clip = ClipFactory(owner=user)
    as_clip, as_video = (
        run(p)
        for p in publication_create(user=user, clip=clip, destinations=[page.pk, community.pk])
    )

    clip_page = requests.get(as_clip.platform_url, timeout=10).text
    wall_page = requests.get(as_video.platform_url, timeout=10).text

    assert "<b>Клип</b>" in clip_page
    assert "Запись на стене от имени сообщества" in wall_page and "<b>Видео</b>" in wall_page


def test_vk_processing_3001_is_polled_and_no_step_is_repeated(sandbox, vk_places):
    user, page, _community = vk_places
    sandbox.control.set_processing_seconds(30)
    [pub] = publication_create(user=user, clip=ClipFactory(owner=user), destinations=[page.pk])

    publication_execute(publication_id=pub.pk)
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.PUBLISHING and pub.claim_token is None
    assert pub.platform_handle["data"]["edited"] is True
    Publication.objects.filter(pk=pub.pk).update(next_attempt_at=timezone.now())
    publication_check(publication_id=pub.pk)  # 3001 again: still processing
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.PUBLISHING
    sandbox.control.advance_clock(31)
    pub = run_checks(pub)

    assert pub.status == PublicationStatus.PUBLISHED
    sent = methods(sandbox)
    assert (sent.count("shortVideo.create"), sent.count("shortVideo.edit")) == (1, 1)
    assert sent.count("shortVideo.publish") == 3  # two 3001 answers, then published


def run_checks(pub: Publication) -> Publication:
    Publication.objects.filter(pk=pub.pk).update(next_attempt_at=timezone.now())
    publication_check(publication_id=pub.pk)
    pub.refresh_from_db()
    return pub


def test_a_refused_account_fails_offering_a_video_and_the_retry_as_video_publishes(
    sandbox, vk_places
):
    user, page, _community = vk_places
    sandbox.control.set_vk_clips_refused(page.connection.account_id, 15)
    [pub] = publication_create(user=user, clip=ClipFactory(owner=user), destinations=[page.pk])

    pub = run(pub)

    assert pub.status == PublicationStatus.FAILED
    assert pub.error_code == "clips_refused"
    assert "Опубликовать как видео" in pub.error_message
    assert "video.save" not in methods(sandbox)  # never switched by itself

    publication_retry(publication=pub, vk_mode="video")
    pub = run(pub)

    assert pub.status == PublicationStatus.PUBLISHED, pub.error_message
    assert pub.vk_mode == "video"
    assert f"/wall{page.external_id}_" in pub.platform_url
    assert [v["extra"]["kind"] for v in sandbox.control.videos("vk")] == ["video"]


def test_a_permanent_failure_after_the_upload_deletes_the_clip_draft(sandbox, vk_places):
    user, page, _community = vk_places
    # Twice: the attempt's quick look after the upload, then the processing check.
    sandbox.control.inject("vk", "vk_error", count=2, method="shortVideo.publish", code=100)
    [pub] = publication_create(user=user, clip=ClipFactory(owner=user), destinations=[page.pk])

    pub = run(pub)

    assert pub.status == PublicationStatus.FAILED
    assert "video.delete" in methods(sandbox)
    assert sandbox.control.videos("vk") == []
    assert pub.platform_handle is None  # «Повторить» starts afresh


def test_a_lost_answer_to_video_save_leaves_no_empty_video(sandbox, vk_places):
    user, _page, community = vk_places
    sandbox.control.inject("vk", "accept_then_drop", method="video.save")
    [pub] = publication_create(user=user, clip=ClipFactory(owner=user), destinations=[community.pk])

    pub = run(pub)
    assert pub.status == PublicationStatus.QUEUED  # transient: the next attempt looks first
    assert pub.platform_handle["id"] == ""
    Publication.objects.filter(pk=pub.pk).update(next_attempt_at=timezone.now())
    pub = run(pub)

    assert pub.status == PublicationStatus.PUBLISHED, pub.error_message
    held = sandbox.control.videos("vk")
    assert len(held) == 1 and held[0]["bytes"] > 0  # the empty one was deleted
    assert methods(sandbox).count("video.delete") == 1


def test_a_lost_answer_to_shortvideo_create_leaves_no_draft(sandbox, vk_places):
    user, page, _community = vk_places
    sandbox.control.inject("vk", "accept_then_drop", method="shortVideo.create")
    [pub] = publication_create(user=user, clip=ClipFactory(owner=user), destinations=[page.pk])

    run(pub)
    Publication.objects.filter(pk=pub.pk).update(next_attempt_at=timezone.now())
    pub = run(pub)

    assert pub.status == PublicationStatus.PUBLISHED, pub.error_message
    assert len(sandbox.control.videos("vk")) == 1
    assert methods(sandbox).count("shortVideo.create") == 2


def test_a_mode_switch_is_refused_while_vk_holds_the_earlier_upload(sandbox, vk_places):
    user, page, _community = vk_places
    sandbox.control.set_processing_seconds(3600)
    [pub] = publication_create(user=user, clip=ClipFactory(owner=user), destinations=[page.pk])
    publication_execute(publication_id=pub.pk)
    pub.refresh_from_db()
    waiting = Publication.objects.filter(pk=pub.pk, status=PublicationStatus.PUBLISHING)
    assert transitions.failed(waiting, pub, message="Время вышло.", code="processing_timeout")
    pub.refresh_from_db()
    assert pub.platform_handle["data"]["uploaded"] is True

    with pytest.raises(PublicationStateError):
        publication_retry(publication=pub, vk_mode="video")
