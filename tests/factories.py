"""factory-boy factories shared by every test package."""

from __future__ import annotations

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from clipmaker.accounts.models import Plan, User
from clipmaker.clips.models import Clip, ClipStatus
from platforms.constants import Platform
from platforms.models import ConnectionStatus, Destination, PlatformConnection
from platforms.providers import AccountInfo, provider_class
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

    @factory.post_generation
    def own_destination(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        """The account's own place, as connecting adds it (``own_destination=False``: none)."""
        if not create or extracted is False:
            return
        own_place(obj)


def own_place(connection: PlatformConnection) -> Destination:
    """The connection's own destination (from its account and extra), created if missing."""
    account = AccountInfo(
        account_id=connection.account_id,
        account_name=connection.account_name,
        extra=dict(connection.extra),
    )
    place = provider_class(connection.platform).account_destination(account)
    if place is None:  # a bot connected without a channel: give it one
        return DestinationFactory(connection=connection)
    destination, _ = Destination.objects.get_or_create(
        connection=connection,
        external_id=place.external_id,
        defaults={
            "kind": place.kind,
            "name": place.name,
            "extra": place.extra,
        },
    )
    return destination


class DestinationFactory(factory.django.DjangoModelFactory):
    """A further place of a connection (a VK community, another Telegram channel)."""

    class Meta:
        model = Destination

    connection = factory.SubFactory(PlatformConnectionFactory)
    kind = "channel"
    external_id = factory.Sequence(lambda n: f"-100{5000 + n}")
    name = factory.Sequence(lambda n: f"Место {n}")
    extra = factory.LazyAttribute(
        lambda d: (
            {"chat_id": int(d.external_id), "chat_username": ""}
            if d.connection.platform == Platform.TELEGRAM
            else {"group_id": abs(int(d.external_id))}
            if d.connection.platform == Platform.VK and d.kind == "community"
            else {}
        )
    )


def destination_for(user: User, platform: str) -> Destination:
    """The user's first live destination on ``platform``; without a connection, a revoked one
    (no tokens) whose removed place stands for "not connected"."""
    found = (
        Destination.objects.live()
        .filter(connection__user=user, connection__platform=platform)
        .order_by("created_at", "id")
        .first()
    )
    if found is not None:
        return found
    connection = PlatformConnection.objects.filter(user=user, platform=platform).first()
    if connection is None:
        connection = PlatformConnectionFactory(
            user=user, platform=platform, status=ConnectionStatus.REVOKED, own_destination=False
        )
    found = connection.destinations.order_by("created_at", "id").first()
    return found or own_place(connection)


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication

    clip = factory.SubFactory(ClipFactory)
    platform = Platform.VK
    # Left out: the owner's destination on ``platform`` (see ``_adjust_kwargs``).
    destination = None
    status = PublicationStatus.QUEUED
    title = factory.LazyAttribute(lambda p: p.clip.title)
    description = factory.LazyAttribute(lambda p: p.clip.description)
    bytes_total = factory.LazyAttribute(lambda p: p.clip.size_bytes)

    @classmethod
    def _adjust_kwargs(cls, **kwargs):  # type: ignore[no-untyped-def]
        destination = kwargs.get("destination")
        if destination is None:
            kwargs["destination"] = destination_for(kwargs["clip"].owner, kwargs["platform"])
        else:
            kwargs["platform"] = destination.platform
        return kwargs


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
