"""What may be published, cancelled and retried, and when to try again (``publishing.rules``).

Platform names come from the registry: the scripted ``fake`` platform stands for any platform;
VK and Rutube appear only where the plans name them (Start allows VK alone).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from clipmaker.accounts.models import Plan
from clipmaker.clips.models import ClipStatus
from platforms.constants import MB, Platform
from platforms.models import ConnectionStatus
from platforms.providers import provider_classes
from publishing import rules, validation
from publishing.models import PublicationStatus
from publishing.services import publication_check_platforms
from tests.factories import ClipFactory, PlatformConnectionFactory, PublicationFactory, UserFactory

from .support import handle_json, queued, uploaded_handle_json

pytestmark = pytest.mark.usefixtures("engine_settings")


# --- what may be published -------------------------------------------------------------------


def test_free_plan_cannot_publish_anywhere_and_is_told_which_plan_to_take(fake, db):
    user = UserFactory(plan=Plan.FREE)
    clip = ClipFactory(owner=user)
    for platform in (fake.name, Platform.VK):
        PlatformConnectionFactory(user=user, platform=platform)

    errors = publication_check_platforms(user=user, clip=clip, platforms=[fake.name, Platform.VK])

    assert errors == {
        "fake": ["Публикация в Фейк недоступна на тарифе Free. Перейдите на тариф Pro, Business."],
        "vk": [
            "Публикация в VK недоступна на тарифе Free. Перейдите на тариф Start, Pro, Business."
        ],
    }


def test_start_plan_allows_vk_only(fake, db):
    user = UserFactory(plan=Plan.START)
    clip = ClipFactory(owner=user)
    for platform in (Platform.VK, Platform.RUTUBE, fake.name):
        PlatformConnectionFactory(user=user, platform=platform)

    errors = publication_check_platforms(
        user=user, clip=clip, platforms=[Platform.VK, Platform.RUTUBE, fake.name]
    )

    assert list(errors) == ["rutube", "fake"]
    for platform in ("rutube", "fake"):
        assert "тарифе Start" in errors[platform][0]
        assert "Pro, Business" in errors[platform][0]


def test_pro_plan_allows_every_registered_platform(fake, user, clip):
    for platform in (p.platform for p in provider_classes()):
        PlatformConnectionFactory(user=user, platform=platform)

    errors = publication_check_platforms(
        user=user, clip=clip, platforms=[str(p.platform) for p in provider_classes()]
    )

    assert errors == {}


def test_missing_and_expired_connections_say_what_to_do(fake, user, clip):
    missing = publication_check_platforms(user=user, clip=clip, platforms=[fake.name])
    PlatformConnectionFactory(user=user, platform=fake.name, status=ConnectionStatus.EXPIRED)
    expired = publication_check_platforms(user=user, clip=clip, platforms=[fake.name])

    assert missing == {"fake": ["Подключите Фейк в настройках."]}
    assert expired == {"fake": ["Токен истёк, переподключите платформу в настройках."]}


def test_a_revoked_connection_counts_as_not_connected(fake, user, clip):
    PlatformConnectionFactory(user=user, platform=fake.name, status=ConnectionStatus.REVOKED)

    errors = publication_check_platforms(user=user, clip=clip, platforms=[fake.name])

    assert errors == {"fake": ["Подключите Фейк в настройках."]}


def test_a_file_too_big_names_the_platform_and_its_limit(fake, fake2, user, clip):
    fake.facts(max_file_size=1 * MB)
    fake2.facts(max_file_size=2 * MB)
    for platform in (fake.name, fake2.name):
        PlatformConnectionFactory(user=user, platform=platform)
    clip.size_bytes = 1 * MB + 1
    clip.save()

    errors = publication_check_platforms(user=user, clip=clip, platforms=[fake.name, fake2.name])

    assert list(errors) == ["fake"]
    assert errors["fake"] == [
        "Файл слишком большой для Фейк (максимум 1 МБ). Сократите или пережмите клип."
    ]


@pytest.mark.parametrize("cls", provider_classes(), ids=lambda cls: str(cls.platform))
def test_every_platforms_own_limit_is_checked_before_anything_is_created(cls, user):
    clip = ClipFactory(owner=user, size_bytes=cls.max_file_size_bytes() + 1)
    PlatformConnectionFactory(user=user, platform=cls.platform)
    fits = ClipFactory(owner=user, size_bytes=cls.max_file_size_bytes())

    errors = publication_check_platforms(user=user, clip=clip, platforms=[cls.platform])

    assert errors == {
        str(cls.platform): [
            f"Файл слишком большой для {cls.noun.genitive} (максимум {cls.max_file_size_label()}). "
            "Сократите или пережмите клип."
        ]
    }
    assert publication_check_platforms(user=user, clip=fits, platforms=[cls.platform]) == {}


def test_past_time_unknown_platform_and_unready_clip_are_reported(fake, user, connection):
    clip = ClipFactory(owner=user, status=ClipStatus.RENDERING)

    errors = publication_check_platforms(
        user=user,
        clip=clip,
        platforms=[fake.name, "myspace"],
        scheduled_at=timezone.now() - timedelta(minutes=1),
    )

    assert set(errors) == {"clip", "scheduled_at", "myspace"}
    assert "в будущем" in errors["scheduled_at"][0]
    assert "Неизвестная платформа" in errors["myspace"][0]
    assert "Фейк" in errors["myspace"][0]  # the choices offered come from the registry


def test_a_time_more_than_a_year_ahead_is_refused_in_russian(fake, user, clip, connection):
    too_far = timezone.now() + timedelta(days=366)

    errors = publication_check_platforms(
        user=user, clip=clip, platforms=[fake.name], scheduled_at=too_far
    )

    assert errors == {
        "scheduled_at": [
            "Запланировать можно не дальше чем на год вперёд. Выберите более близкую дату."
        ]
    }


def test_a_time_within_the_year_is_accepted(fake, user, clip, connection):
    errors = publication_check_platforms(
        user=user,
        clip=clip,
        platforms=[fake.name],
        scheduled_at=timezone.now() + timedelta(days=364),
    )

    assert errors == {}


def test_a_publication_already_in_flight_is_named(fake, user, clip, connection):
    place = queued(clip).destination

    errors, conflicts = validation.check_publish(
        user=user,
        clip=clip,
        targets=validation.resolve_platforms(user=user, platforms=[fake.name]),
        scheduled_at=None,
    )

    assert errors == {
        "fake": [
            f"Этот клип уже запланирован или публикуется в {place.label}. Дождитесь окончания "
            "или отмените ту публикацию."
        ]
    }
    assert conflicts == {"fake"}


# --- when to try again -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempts", "expected"), [(0, None), (1, 300.0), (2, 900.0), (3, 3600.0), (4, None)]
)
def test_retry_delays_follow_the_setting(attempts, expected):
    assert rules.retry_delay(attempts=attempts) == expected


@pytest.mark.parametrize(
    ("elapsed", "expected"), [(0, 0.5), (1, 0.5), (8, 2.0), (40, 10.0), (3600, 10.0)]
)
def test_processing_checks_come_soon_at_first_then_less_often(settings, elapsed, expected):
    settings.PUBLISH_CHECK_INTERVAL_SECONDS = 10
    started = timezone.now()

    delay = rules.next_check_delay(started=started, now=started + timedelta(seconds=elapsed))

    assert delay == timedelta(seconds=expected)


# --- cancel and retry ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "cancellable"),
    [
        ({"status": PublicationStatus.SCHEDULED}, True),
        ({"status": PublicationStatus.QUEUED}, True),
        ({"status": PublicationStatus.PUBLISHING, "claim_token": uuid.uuid4()}, True),
        (  # the platform is processing it: the post exists there
            {"status": PublicationStatus.PUBLISHING, "platform_handle": uploaded_handle_json()},
            False,
        ),
        (
            {
                "status": PublicationStatus.PUBLISHING,
                "claim_token": uuid.uuid4(),
                "cancel_requested_at": timezone.now(),
            },
            False,
        ),
        ({"status": PublicationStatus.PUBLISHED}, False),
        ({"status": PublicationStatus.FAILED}, False),
        ({"status": PublicationStatus.CANCELLED}, False),
    ],
)
def test_what_may_be_cancelled(fake, clip, fields, cancellable):
    pub = PublicationFactory(clip=clip, platform=fake.name, **fields)

    assert rules.publication_can_cancel(pub) is cancellable
    refusal = rules.cancel_refusal(pub)
    assert (refusal is None) is cancellable
    if refusal is not None:
        assert any("а" <= ch <= "я" for ch in refusal.lower())


def test_only_a_failed_publication_may_be_retried(fake, clip):
    for status in PublicationStatus:
        pub = PublicationFactory.build(clip=clip, platform=fake.name, status=status)
        assert rules.publication_can_retry(pub) is (status == PublicationStatus.FAILED)
        if status != PublicationStatus.FAILED:
            assert rules.retry_refusal(pub) == rules.RETRY_ONLY_FAILED_MESSAGE


def test_a_video_rejected_by_moderation_may_not_be_retried(fake, clip):
    pub = PublicationFactory(
        clip=clip, platform=fake.name, status=PublicationStatus.FAILED, error_code="rejected"
    )

    assert not rules.publication_can_retry(pub)
    assert rules.retry_refusal(pub) == (
        "Фейк отклонил это видео: повтор не поможет. Исправьте клип и опубликуйте его заново."
    )


def test_a_failure_of_a_platform_the_plan_no_longer_allows_may_not_be_retried(fake, clip, user):
    pub = PublicationFactory(clip=clip, platform=fake.name, status=PublicationStatus.FAILED)
    user.plan = Plan.FREE
    user.save()

    assert not rules.publication_can_retry(pub)
    assert "недоступна на тарифе Free" in rules.retry_refusal(pub)


# --- what the platform may already have ------------------------------------------------------


@pytest.mark.parametrize(
    ("handle", "bytes_sent", "may_have_it"),
    [
        (None, 0, False),
        (handle_json(), 0, False),  # created, nothing sent: an empty video at most
        (handle_json(), 40, False),  # part of the clip: it cannot be published
        (handle_json(), 100, True),  # the whole clip went out
        (uploaded_handle_json(), 0, True),  # the platform confirmed the upload
    ],
)
def test_what_the_platform_may_already_hold(fake, clip, handle, bytes_sent, may_have_it):
    pub = queued(clip, platform_handle=handle, bytes_sent=bytes_sent, bytes_total=100)

    assert rules.platform_may_have_it(pub) is may_have_it


def test_a_platform_whose_handle_comes_with_the_upload_holds_whatever_it_named(fake, clip):
    fake.facts(handle_holds_upload=True)

    assert rules.platform_may_have_it(queued(clip, platform_handle=handle_json()))


@pytest.mark.parametrize(
    ("creates_before_handle", "handle", "bytes_sent", "may_be_posted"),
    [
        (False, None, 0, False),
        (False, None, 1, True),
        (True, None, 0, True),
        (True, handle_json(), 0, False),
    ],
)
def test_what_may_be_posted_without_a_handle(
    fake, clip, creates_before_handle, handle, bytes_sent, may_be_posted
):
    fake.facts(creates_before_handle=creates_before_handle)
    pub = queued(clip, platform_handle=handle, bytes_sent=bytes_sent)

    assert rules.may_be_posted_without_handle(pub) is may_be_posted


# --- why an attempt must not start -----------------------------------------------------------


def test_an_attempt_for_a_plan_that_no_longer_allows_it_is_cancelled(fake, clip, user, connection):
    pub = queued(clip)
    user.plan = Plan.START
    user.save()

    code, message, cancel = rules.start_refusal(pub, connection=connection)

    assert (code, cancel) == ("plan", True)
    assert message == (
        "Публикация недоступна на вашем тарифе: Фейк в него не входит. "
        "Смените тариф и опубликуйте клип снова."
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (None, "not_connected"),
        (ConnectionStatus.REVOKED, "not_connected"),
        (ConnectionStatus.EXPIRED, "auth_expired"),
    ],
)
def test_an_attempt_without_a_usable_connection_fails(fake, clip, connection, status, code):
    if status is not None:
        connection.status = status

    refusal = rules.start_refusal(queued(clip), connection=connection if status else None)

    assert refusal is not None
    assert (refusal[0], refusal[2]) == (code, False)


def test_an_attempt_with_everything_in_place_may_start(fake, clip, connection):
    assert rules.start_refusal(queued(clip), connection=connection) is None
