"""A lost answer is found out where the platform lets us (docs/unknown-outcome.md).

Rutube: a marker is stored before the create call, so a dead worker's row without it is simply
retried, and a create whose answer was lost (5xx, dropped connection, dead worker) is looked up
in the account's list on the next attempt. Telegram: a 5xx answered before the whole body went
out is retried; after the whole body, the outcome stays unknown and the user is told exactly
what to look for.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from platforms.constants import Platform
from platforms.providers import PlatformHandle
from publishing import rules
from publishing.models import Publication, PublicationStatus
from publishing.services import publication_cancel, publication_create
from publishing.sweeps import publications_reap_expired_leases
from tests.factories import ClipFactory, PlatformConnectionFactory, UserFactory

from .support import queued, reload


def _final(pub: Publication) -> bool:
    return Publication.objects.filter(
        pk=pub.pk,
        status__in=[PublicationStatus.PUBLISHED, PublicationStatus.FAILED],
    ).exists()


def _methods(control: Any, platform: str) -> list[str]:
    return [e["method"] for e in control.journal(platform)]


# --- Rutube: the reaper and the marker ------------------------------------------------------


@pytest.fixture
def rutube_clip(db: Any) -> Any:
    user = UserFactory()
    PlatformConnectionFactory(user=user, platform=Platform.RUTUBE)
    return ClipFactory(owner=user)


def _dead(clip: Any, **fields: Any) -> Publication:
    return queued(
        clip,
        platform=Platform.RUTUBE,
        status=PublicationStatus.PUBLISHING,
        claim_token=uuid.uuid4(),
        attempts=1,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
        **fields,
    )


@pytest.mark.usefixtures("engine_settings", "broker")
def test_a_rutube_row_killed_before_its_create_call_is_retried_not_failed(rutube_clip):
    pub = _dead(rutube_clip)  # no marker: the create call never went out

    publications_reap_expired_leases()

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED, pub.error_message
    assert pub.error_message == rules.INTERRUPTED_MESSAGE
    assert rules.cancel_refusal(pub) is None  # nothing can be on Rutube: it may be cancelled


@pytest.mark.usefixtures("engine_settings", "broker")
def test_a_rutube_row_killed_after_its_create_call_is_retried_to_look_it_up(rutube_clip):
    marker = PlatformHandle.create_sent().to_json()
    pub = _dead(rutube_clip, platform_handle=marker)

    publications_reap_expired_leases()

    pub = reload(pub)
    assert pub.status == PublicationStatus.QUEUED
    assert pub.platform_handle == marker  # the next attempt asks Rutube what came of it
    assert rules.cancel_refusal(pub) == rules.may_have_it_message(Platform.RUTUBE)


# --- Rutube against the sandbox -------------------------------------------------------------

live = [pytest.mark.integration, pytest.mark.live]


@pytest.mark.parametrize(
    ("fault", "params"),
    [
        ("server_error", {"status": 502}),  # refused before Rutube made anything
        ("server_error", {"status": 500}),
        ("accept_then_drop", {}),  # Rutube made the video, its answer never came
    ],
)
@pytest.mark.integration
@pytest.mark.live
def test_a_rutube_create_without_an_answer_ends_with_exactly_one_video(
    sandbox, connect, publishing_worker, fault, params
):
    user = UserFactory()
    connect(user, Platform.RUTUBE)
    sandbox.control.inject("rutube", fault, method="video.create", **params)

    [pub] = publication_create(user=user, clip=ClipFactory(owner=user), platforms=[Platform.RUTUBE])

    publishing_worker.wait_for(lambda: _final(pub), timeout=40)
    pub = reload(pub)
    assert pub.status == PublicationStatus.PUBLISHED, pub.error_message
    assert pub.attempts == 2
    [video] = sandbox.control.videos("rutube")
    assert pub.platform_video_id == video["id"]
    creates = _methods(sandbox.control, "rutube").count("video.create")
    assert creates == (1 if fault == "accept_then_drop" else 2)


@pytest.mark.integration
@pytest.mark.live
def test_a_rutube_publication_whose_create_went_out_cannot_be_cancelled(
    sandbox, connect, worker_factory
):
    worker = worker_factory(PUBLISH_RETRY_DELAYS=[30, 30, 30])
    user = UserFactory()
    connect(user, Platform.RUTUBE)
    sandbox.control.inject("rutube", "accept_then_drop", method="video.create")
    [pub] = publication_create(user=user, clip=ClipFactory(owner=user), platforms=[Platform.RUTUBE])
    worker.wait_for(
        lambda: Publication.objects.filter(
            pk=pub.pk, status=PublicationStatus.QUEUED, attempts=1
        ).exists()
    )

    with pytest.raises(Exception, match="возможно, уже передан в Rutube"):
        publication_cancel(publication=reload(pub))


# --- What the user is told when it stays unknown --------------------------------------------


@pytest.mark.parametrize(
    ("platform", "where"),
    [
        (Platform.TELEGRAM, "Проверьте Telegram: откройте канал и найдите в нём видео «Закат»"),
        (Platform.RUTUBE, "Проверьте Rutube: откройте Rutube Studio, раздел «Видео», и найдите"),
        (Platform.DZEN, "Проверьте Дзен: откройте Дзен-студию, раздел «Публикации», и найдите"),
        (Platform.VK, "Проверьте VK: найдите там видео «Закат»."),
    ],
)
def test_an_unknown_outcome_says_exactly_where_to_look_and_what_to_do(platform, where):
    message = rules.outcome_unknown_message(platform, title="Закат")

    assert where in message
    assert "видео «Закат»" in message
    assert message.endswith(
        "Если оно там есть, ничего делать не нужно; если нет — нажмите «Повторить»."
    )


@pytest.mark.integration
@pytest.mark.live
def test_a_telegram_5xx_after_the_whole_clip_stays_unknown_and_names_the_video(
    sandbox, connect, publishing_worker
):
    # The Bot API cannot list a channel's posts: after the whole body went out a 5xx may come
    # after the post was made, and only the user can see the channel.
    user = UserFactory()
    connect(user, Platform.TELEGRAM)
    sandbox.control.inject("telegram", "server_error", method="sendVideo", status=502)
    clip = ClipFactory(owner=user, title="Закат над Волгой")

    [pub] = publication_create(user=user, clip=clip, platforms=[Platform.TELEGRAM])

    publishing_worker.wait_for(lambda: _final(pub), timeout=30)
    pub = reload(pub)
    assert (pub.status, pub.error_code) == (PublicationStatus.FAILED, "outcome_unknown")
    assert "найдите в нём видео «Закат над Волгой»" in pub.error_message
    assert pub.attempts == 1


# --- Дзен: no empty video left behind -------------------------------------------------------


@pytest.mark.integration
@pytest.mark.live
def test_a_dzen_create_whose_answer_was_lost_leaves_no_empty_video(
    sandbox, connect, publishing_worker
):
    user = UserFactory()
    connect(user, Platform.DZEN)
    sandbox.control.inject("dzen", "accept_then_drop", method="videos.create")

    [pub] = publication_create(user=user, clip=ClipFactory(owner=user), platforms=[Platform.DZEN])

    publishing_worker.wait_for(lambda: _final(pub), timeout=40)
    pub = reload(pub)
    assert pub.status == PublicationStatus.PUBLISHED, pub.error_message
    [video] = sandbox.control.videos("dzen")  # the one the lost answer made, now with its file
    assert pub.platform_video_id == video["id"]
    methods = _methods(sandbox.control, "dzen")
    assert (methods.count("videos.create"), methods.count("videos.list")) == (1, 1)
