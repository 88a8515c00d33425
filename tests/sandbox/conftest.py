"""Helpers for the sandbox's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.live


@pytest.fixture
def clip_file(tmp_path):  # type: ignore[no-untyped-def]
    """Make a sparse file of the given size (cheap even for tens of megabytes)."""

    def make(size: int, name: str = "clip.mp4") -> Path:
        path = tmp_path / name
        with path.open("wb") as handle:
            handle.truncate(size)
        return path

    return make
