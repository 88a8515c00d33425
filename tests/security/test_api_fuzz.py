"""Schemathesis against /api/schema/: a real HTTP server, an authenticated user with data,
every check on, the per-user rate limits raised; zero server errors and zero schema
violations. Bounded by ``FUZZ_SECONDS`` (60 s by default) with a fixed seed (``FUZZ_SEED``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from knox.models import AuthToken

from clipmaker.accounts.models import Plan
from clipmaker.throttling import AtomicScopedRateThrottle
from platforms.constants import Platform
from platforms.providers import platform_values
from publishing.models import PublicationStatus
from tests.factories import ClipFactory, PublicationFactory, UserFactory
from tests.publishing.conftest import sandbox_connection

pytestmark = [pytest.mark.live]

HERE = Path(__file__).resolve().parent
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture
def fuzz_user(sandbox: Any) -> Any:
    user = UserFactory(username="fuzz", plan=Plan.PRO)
    for platform in platform_values():
        sandbox_connection(sandbox.control, user=user, platform=platform)
    for index in range(3):
        clip = ClipFactory(owner=user, title=f"Клип {index}")
        PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.FAILED)
        PublicationFactory(
            clip=clip, platform=Platform.TELEGRAM, status=PublicationStatus.PUBLISHED
        )
    return user


@pytest.fixture
def raised_limits(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    """The per-user limits would answer 429 to most publish/connect/test calls, leaving them
    barely fuzzed: raise them for this test only."""
    rates = dict(AtomicScopedRateThrottle.THROTTLE_RATES)
    rates.update({scope: "100000/min" for scope in rates})
    monkeypatch.setattr(AtomicScopedRateThrottle, "THROTTLE_RATES", rates)
    settings.AXES_FAILURE_LIMIT = 100000


def test_the_api_answers_every_fuzzed_request_as_its_schema_says(
    sandbox: Any, live_server: Any, fuzz_user: Any, raised_limits: None, tmp_path: Path
) -> None:
    _, token = AuthToken.objects.create(user=fuzz_user)
    seconds = os.environ.get("FUZZ_SECONDS", "60")
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-time",
        seconds,
        "--workers",
        "1",
        "--seed",
        os.environ.get("FUZZ_SEED", "20261203"),
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "ndjson",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=int(seconds) + 240,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HERE / "fuzz_hooks.py")},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-12000:]
    assert "Tested: " in output
    assert "No issues found" in output or "passed" in output.lower(), output[-4000:]
