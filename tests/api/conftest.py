"""The API tests share the pages' fixtures, plus DRF clients (session and token)."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.pages.conftest import (  # noqa: F401 - fixtures
    _private_cache,
    clip,
    connected,
    other_clip,
    user,
)


@pytest.fixture
def api(user):  # type: ignore[no-untyped-def]  # noqa: F811
    """An API client authenticated with the user's token (``Authorization: Token <key>``)."""
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client
