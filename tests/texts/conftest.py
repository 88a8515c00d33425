"""The per-platform text tests share the pages' fixtures (a Pro user, four connections, a clip)."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.pages.conftest import (  # noqa: F401 - fixtures
    _private_cache,
    client_in,
    clip,
    connected,
    other_clip,
    user,
)


@pytest.fixture
def api(user):  # type: ignore[no-untyped-def]  # noqa: F811
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client
