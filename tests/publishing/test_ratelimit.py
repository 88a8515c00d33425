"""The platform rate limits shared by every worker (``publishing.ratelimit``): a token bucket
per platform account whose rate the platform's adapter declares."""

from __future__ import annotations

import uuid

import pytest

from platforms.providers.types import Rate
from publishing import ratelimit


@pytest.fixture(autouse=True)
def _limits_on(settings, db):  # type: ignore[no-untyped-def]
    settings.PLATFORM_RATE_LIMITS_ENABLED = True


def test_the_bucket_refuses_beyond_the_burst_and_says_how_long_to_wait(fake):
    account = uuid.uuid4().hex
    ratelimit.reset(platform=fake.name, account=account)

    waits = [ratelimit.acquire(platform=fake.name, account=account) for _ in range(3)]

    assert waits[:2] == [0.0, 0.0]
    assert 0.3 < waits[2] <= 0.5  # 2 per second: the next token in under half a second


def test_buckets_are_per_account(fake):
    fake.facts(account_rate=Rate(per_second=1.0, burst=1.0))
    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    for account in (a, b):
        ratelimit.reset(platform=fake.name, account=account)

    assert ratelimit.acquire(platform=fake.name, account=a) == 0
    assert ratelimit.acquire(platform=fake.name, account=a) > 0
    assert ratelimit.acquire(platform=fake.name, account=b) == 0


def test_buckets_are_per_platform(fake, fake2):
    fake.facts(account_rate=Rate(per_second=1.0, burst=1.0))
    account = uuid.uuid4().hex
    for platform in (fake.name, fake2.name):
        ratelimit.reset(platform=platform, account=account)

    assert ratelimit.acquire(platform=fake.name, account=account) == 0
    assert ratelimit.acquire(platform=fake2.name, account=account) == 0


def test_lifting_the_limits_always_grants(fake, settings):
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    assert all(ratelimit.acquire(platform=fake.name, account="x") == 0 for _ in range(10))


def test_the_worker_ceiling_is_the_adapters_and_lifts_with_the_limits(fake, settings):
    fake.facts(worker_rate_limit="7/s")

    assert ratelimit.celery_rate_limit(fake.name) == "7/s"
    settings.PLATFORM_RATE_LIMITS_ENABLED = False
    assert ratelimit.celery_rate_limit(fake.name) is None
