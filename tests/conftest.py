"""Root test configuration: shared plugins and fixtures."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.sandbox",
    "tests.fixtures.worker",
    "tests.fixtures.browser",
    "tests.fixtures.fake_provider",
    "tests.fixtures.platform_urls",
]


def pytest_sessionstart(session):  # type: ignore[no-untyped-def]
    """The run's processes (this one, workers, web servers) share one empty metrics folder."""
    from django.conf import settings

    from clipmaker.metrics.multiproc import metrics_dir_prepare

    assert settings.METRICS_DIR  # settings point PROMETHEUS_MULTIPROC_DIR at it
    metrics_dir_prepare(clean=True)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):  # type: ignore[no-untyped-def]
    """Every test writes clip files to its own temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CLIP_UPLOAD_DIR = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path):  # type: ignore[no-untyped-def]
    """No test sees another's cache entries (throttle counters, OAuth states, locks).

    Redis is shared by every run on a machine, so the product's keys are deleted before each
    test — only those under the cache's prefix: the broker's queues in the same database are
    left alone. The embedded default gets a private file cache per test.
    """
    from django.core.cache import cache

    if settings.REDIS_URL:
        client = cache._cache.get_client(write=True)
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
