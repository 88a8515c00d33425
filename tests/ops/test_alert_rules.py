"""docs/ops/alerts.yml loads in Prometheus and its rules fire when they should.

promtool comes with Debian's ``prometheus`` package (``.ci/run`` installs it). In CI a missing
promtool fails these tests; on a developer machine without it they are skipped, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
RULES = BASE_DIR / "docs/ops/alerts.yml"
RULE_TESTS = BASE_DIR / "docs/ops/alerts_test.yml"


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: .ci/run installs Debian's prometheus package")
        pytest.skip("promtool not installed (apt-get install prometheus); CI runs these tests")
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=BASE_DIR, capture_output=True, text=True, timeout=120)


def test_the_alert_rules_load(promtool):
    result = _run(promtool, "check", "rules", str(RULES))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_alert_rules_pass_their_unit_tests(promtool):
    result = _run(promtool, "test", "rules", str(RULE_TESTS))

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_runbook_entry():
    import yaml

    rules = yaml.safe_load(RULES.read_text())
    headings = [
        line
        for line in (BASE_DIR / "docs/operations.md").read_text().splitlines()
        if line.startswith("### ")
    ]
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    assert alerts >= {
        "PublishSuccessRateLow",
        "PublishSuccessRateCritical",
        "QueueBacklog",
        "TokenRefreshFailures",
        "StatsNotSynced",
        "QueueWithoutWorker",
        "BeatAbsent",
        "ScheduledPublicationsLate",
    }
    for alert in alerts:
        assert any(alert in heading for heading in headings), f"no runbook entry for {alert}"
