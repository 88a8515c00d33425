"""factory-boy factories shared by every test package."""

from __future__ import annotations

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from clipmaker.accounts.models import Plan, User
from clipmaker.clips.models import Clip, ClipStatus
from platforms.constants import Platform
from platforms.models import ConnectionStatus, PlatformConnection
from publishing.models import Publication, PublicationStatus
from stats.models import StatsSnapshot, StatsTrack

# The smallest box sequence our MP4 probe accepts: an ftyp box and an empty moov.
TINY_MP4 = (
    b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    b"\x00\x00\x00\x08moov" + b"\x00\x00\x00\x10mdat" + b"\x00" * 8
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    plan = Plan.PRO
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()


class ClipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clip

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Клип {n}")
    description = "Описание клипа"
    file = factory.LazyFunction(lambda: ContentFile(TINY_MP4, name="clip.mp4"))
    size_bytes = factory.LazyAttribute(lambda c: c.file.size)
    duration_seconds = 4.0
    status = ClipStatus.READY


class PlatformConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlatformConnection
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    platform = Platform.VK
    status = ConnectionStatus.ACTIVE
    account_id = factory.Sequence(lambda n: str(1000 + n))
    account_name = factory.Sequence(lambda n: f"Аккаунт {n}")

    @factory.post_generation
    def tokens(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        access, refresh = extracted if extracted else ("access-token-value", "refresh-token-value")
        obj.set_token("access_token", access)
        obj.set_token("refresh_token", refresh)
        if create:
            obj.save()


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication

    clip = factory.SubFactory(ClipFactory)
    platform = Platform.VK
    status = PublicationStatus.QUEUED
    title = factory.LazyAttribute(lambda p: p.clip.title)
    description = factory.LazyAttribute(lambda p: p.clip.description)
    bytes_total = factory.LazyAttribute(lambda p: p.clip.size_bytes)


class StatsSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatsSnapshot

    publication = factory.SubFactory(
        PublicationFactory, status=PublicationStatus.PUBLISHED, platform=Platform.VK
    )
    collected_at = factory.LazyFunction(timezone.now)
    views = 0
    likes = 0
    comments = 0
    shares = 0


class StatsTrackFactory(factory.django.DjangoModelFactory):
    """A publication's stats schedule, as the sync leaves it after a successful check."""

    class Meta:
        model = StatsTrack

    publication = factory.SubFactory(
        PublicationFactory, status=PublicationStatus.PUBLISHED, platform=Platform.VK
    )
    connection = None
    platform = factory.LazyAttribute(lambda t: t.publication.platform)
    handle_id = factory.Sequence(lambda n: f"video{n}")
    published_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyFunction(timezone.now)
    checked_at = factory.LazyFunction(timezone.now)
