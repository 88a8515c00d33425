"""Reads shared by the pages and the API are scoped to their owner."""

from __future__ import annotations

import pytest

from publishing import selectors
from publishing.models import PublicationStatus
from tests.factories import ClipFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_clip_get_finds_only_the_owners_clip(user, clip, other_clip):
    assert selectors.clip_get(user=user, clip_id=clip.pk) == clip
    assert selectors.clip_get(user=user, clip_id=other_clip.pk) is None


def test_publication_get_finds_only_the_owners_publication(user, clip, other_clip):
    mine = PublicationFactory(clip=clip)
    theirs = PublicationFactory(clip=other_clip)
    assert selectors.publication_get(user=user, publication_id=mine.pk) == mine
    assert selectors.publication_get(user=user, publication_id=theirs.pk) is None


def test_latest_publication_by_platform_keeps_the_newest(clip):
    PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.FAILED)
    newest = PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHED)
    latest = selectors.latest_publication_by_platform(list(selectors.clip_publications(clip=clip)))
    assert latest == {"vk": newest}


def test_pending_count_counts_waiting_publications_of_the_user_on_the_platform(user):
    clip = ClipFactory(owner=user)
    second = ClipFactory(owner=user)
    PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.SCHEDULED)
    PublicationFactory(clip=second, platform="vk", status=PublicationStatus.QUEUED)
    PublicationFactory(
        clip=ClipFactory(owner=user), platform="vk", status=PublicationStatus.PUBLISHING
    )
    PublicationFactory(clip=ClipFactory(owner=user), platform="vk", status=PublicationStatus.FAILED)
    PublicationFactory(
        clip=ClipFactory(owner=user), platform="dzen", status=PublicationStatus.QUEUED
    )
    PublicationFactory(
        clip=ClipFactory(owner=UserFactory()), platform="vk", status=PublicationStatus.QUEUED
    )

    assert selectors.publication_pending_count(user=user, platform="vk") == 2
