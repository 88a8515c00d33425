"""Shared pieces of the attack suite: two users, each with their own clip, publication,
connection and destination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from clipmaker.accounts.models import Plan
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
    return Party(
        user=user,
        clip=clip,
        publication=publication,
        connection=connection,
        destination=destination,
    )


@pytest.fixture
def victim(db: Any) -> Party:
    return make_party("victim")


@pytest.fixture
def intruder(db: Any) -> Party:
    return make_party("intruder")
