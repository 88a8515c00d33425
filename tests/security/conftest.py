"""Shared pieces of the attack suite: two users, each with their own clip and publication."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from clipmaker.accounts.models import Plan
from platforms.constants import Platform
from publishing.models import PublicationStatus
from tests.factories import ClipFactory, PublicationFactory, UserFactory


@dataclass
class Party:
    user: Any
    clip: Any
    publication: Any


def make_party(username: str) -> Party:
    user = UserFactory(username=username, plan=Plan.PRO)
    clip = ClipFactory(owner=user, title=f"Секретный клип {username}")
    publication = PublicationFactory(
        clip=clip,
        platform=Platform.VK,
        status=PublicationStatus.FAILED,
        error_message=f"ошибка {username}",
    )
    return Party(user=user, clip=clip, publication=publication)


@pytest.fixture
def victim(db: Any) -> Party:
    return make_party("victim")


@pytest.fixture
def intruder(db: Any) -> Party:
    return make_party("intruder")
