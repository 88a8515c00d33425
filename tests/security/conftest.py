"""Shared pieces of the attack suite: two users, each with their own clip, publication,
connection and destination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from clipmaker.accounts.models import Plan
from clipmaker.notifications.models import Notification, NotificationKind
from platforms.constants import Platform
from publishing.models import PublicationStatus
from tests.factories import (
    ClipFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    UserFactory,
)


@dataclass
class Party:
    user: Any
    clip: Any
    publication: Any
    connection: Any
    destination: Any
    notification: Any


def make_party(username: str) -> Party:
    user = UserFactory(username=username, plan=Plan.PRO)
    connection = PlatformConnectionFactory(
        user=user, platform=Platform.VK, account_name=f"Аккаунт {username}"
    )
    destination = connection.destinations.get()
    clip = ClipFactory(owner=user, title=f"Секретный клип {username}")
    publication = PublicationFactory(
        clip=clip,
        destination=destination,
        status=PublicationStatus.FAILED,
        error_message=f"ошибка {username}",
    )
    notification = Notification.objects.create(
        user=user,
        kind=NotificationKind.PUBLICATION_FAILED,
        key=f"publication_failed:{publication.pk}",
        message=f"Не удалось опубликовать «{clip.title}»: ошибка {username}",
        link=f"/clips/{clip.pk}/",
    )
    return Party(
        user=user,
        clip=clip,
        publication=publication,
        connection=connection,
        destination=destination,
        notification=notification,
    )


@pytest.fixture
def victim(db: Any) -> Party:
    return make_party("victim")


@pytest.fixture
def intruder(db: Any) -> Party:
    return make_party("intruder")
