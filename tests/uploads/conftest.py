"""Fixtures for the upload and clip-editing tests: the pages' user, clips and API clients."""

from __future__ import annotations

from tests.api.conftest import api  # noqa: F401 - fixtures
from tests.pages.conftest import (  # noqa: F401 - fixtures
    _private_cache,
    client_in,
    clip,
    connected,
    other_clip,
    user,
)
