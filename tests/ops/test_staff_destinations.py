"""The staff overview names the place each failed publication went to (the account may have
several on one platform)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from platforms.constants import Platform
from publishing.models import PublicationStatus
from tests.factories import (
    ClipFactory,
    DestinationFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_a_failure_names_its_place(client):
    owner = UserFactory()
    connection = PlatformConnectionFactory(user=owner, platform=Platform.VK)
    community = DestinationFactory(
        connection=connection, kind="community", external_id="-55", name="Кухня за 10 минут"
    )
    PublicationFactory(
        clip=ClipFactory(owner=owner),
        destination=community,
        status=PublicationStatus.FAILED,
        error_message="VK запретил доступ",
        finished_at=timezone.now(),
    )
    client.force_login(UserFactory(is_staff=True))

    page = client.get("/staff/").content.decode()

    assert "Сообщество «Кухня за 10 минут»" in page
