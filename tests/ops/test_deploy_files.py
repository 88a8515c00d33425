"""The production stack's files: docker-compose validates, the image carries no secret, the
worker outlives its longest upload, control work has its own worker, one beat.

``docker compose config`` (or Debian's ``docker-compose``, which ``.ci/run`` installs) needs no
Docker engine. In CI a missing client fails the test; on a developer machine it is skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]
COMPOSE = BASE_DIR / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "worker-control", "beat")


def _compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=30
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy:
        return [legacy]
    if os.environ.get("CI"):
        pytest.fail("No docker compose client: .ci/run installs Debian's docker-compose")
    pytest.skip("no docker compose client here (apt-get install docker-compose); CI checks it")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _seconds(duration: str) -> int:
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([hms])", duration))


def test_compose_file_validates(tmp_path):
    command = _compose_command()
    project = tmp_path / "stack"
    project.mkdir()
    shutil.copy(COMPOSE, project / "docker-compose.yml")
    (project / ".env").write_text("POSTGRES_PASSWORD=check-only\n")

    result = subprocess.run(
        [*command, "config", "-q"], cwd=project, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_never_receives_secrets_or_local_state():
    ignored = {
        line.strip()
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", "var/", ".venv/", ".git/"} <= ignored


def test_every_long_running_service_has_a_health_check(compose):
    for name, service in compose["services"].items():
        if name != "migrate":  # one-shot
            assert "healthcheck" in service, name


def test_the_upload_worker_outlives_its_longest_upload(compose):
    worker = compose["services"]["worker"]
    command = worker["command"]

    assert _seconds(worker["stop_grace_period"]) > settings.CELERY_TASK_TIME_LIMIT
    assert "--max-tasks-per-child" in command
    queues = set(command[command.index("-Q") + 1].split(","))
    assert queues == {"default", "vk", "rutube", "dzen", "telegram"}


def test_control_tasks_have_a_worker_of_their_own(compose):
    command = compose["services"]["worker-control"]["command"]

    assert command[command.index("-Q") + 1] == "control"
    assert "--max-tasks-per-child" in command


def test_exactly_one_beat(compose):
    beats = [s for s in compose["services"].values() if "beat" in s.get("command", [])]

    assert len(beats) == 1
    assert beats[0]["deploy"]["replicas"] == 1


def test_redis_keeps_the_broker_safe(compose):
    command = compose["services"]["redis"]["command"]

    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"


def test_media_and_metrics_are_shared_volumes_of_the_app_services(compose):
    for name in APP_SERVICES:
        volumes = compose["services"][name]["volumes"]
        assert "media:/app/media" in volumes and "metrics:/app/metrics" in volumes, name
        assert compose["services"][name]["environment"]["PROMETHEUS_MULTIPROC_DIR"] == (
            "/app/metrics"
        )
    assert compose["volumes"]["metrics"]["driver_opts"]["type"] == "tmpfs"


def test_web_runs_gunicorn_with_the_structured_logger(compose):
    from clipmaker import gunicorn_conf

    assert compose["services"]["web"]["command"][:3] == [
        "gunicorn",
        "-c",
        "python:clipmaker.gunicorn_conf",
    ]
    assert gunicorn_conf.logger_class == "clipmaker.gunicorn_logging.StructuredLogger"
    assert gunicorn_conf.accesslog == "-"
