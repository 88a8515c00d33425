"""Settings driven by the environment, the production guard, and /healthz."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "PLATFORM_TOKEN_SECRET",
            "ALLOWED_HOSTS",
            "PUBLIC_BASE_URL",
            "DJANGO_ENV",
            # set by the browser tests for their own process only
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secrets_refuses_to_start_with_one_line_per_variable():
    result = run_manage("check", env={"DJANGO_ENV": "production"})
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("Missing")]
    names = [line.split()[3].rstrip(":") for line in lines]
    assert names == [
        "SECRET_KEY",
        "PLATFORM_TOKEN_SECRET",
        "DATABASE_URL",
        "REDIS_URL",
        "ALLOWED_HOSTS",
        "PUBLIC_BASE_URL",
    ]


def test_production_with_secrets_passes_check_deploy_without_warnings():
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 20 + "K3y-for-tests-only-0123456789abcdefghijklmnop",
        "PLATFORM_TOKEN_SECRET": "ab" * 32,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/clipmaker",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "clipmaker.example",
        "PUBLIC_BASE_URL": "https://clipmaker.example",
    }
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_never_mounts_the_sandbox():
    env = {
        "DJANGO_ENV": "production",
        "PLATFORM_SANDBOX": "1",
        "SECRET_KEY": "s" * 60,
        "PLATFORM_TOKEN_SECRET": "ab" * 32,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/clipmaker",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "h",
        "PUBLIC_BASE_URL": "https://h",
    }
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "PLATFORM_SANDBOX must not be enabled" in result.stderr


@pytest.mark.django_db
def test_healthz_reports_each_part_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "cache": "ok",
    }


@pytest.mark.django_db
def test_healthz_is_503_when_the_cache_is_down(client, monkeypatch):
    from django.core.cache.backends.redis import RedisCache

    import clipmaker.views

    dead = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.5}})
    monkeypatch.setattr(clipmaker.views, "cache", dead)
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["cache"].startswith("error")
    assert body["database"] == "ok"


def test_embedded_default_uses_sqlite_filesystem_broker_and_file_cache():
    env = {"VAR_DIR": str(ROOT / "var")}
    code = (
        "from django.conf import settings as s;"
        "from platforms.providers import provider_class;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL,"
        " s.CACHES['default']['BACKEND'], s.PLATFORM_SANDBOX, s.DEBUG,"
        " provider_class('vk').url('VK_API_URL'))"
    )
    result = run_manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    engine, broker, cache_backend, sandbox, debug, vk_url = result.stdout.splitlines()[-1].split()
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://localhost//"
    assert cache_backend.endswith("FileBasedCache")
    assert (sandbox, debug) == ("True", "True")
    assert vk_url.endswith("/sandbox/vk/method")


@pytest.mark.django_db
def test_a_missing_page_answers_in_russian_with_a_way_back(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Такой страницы нет" in body and 'href="/clips/"' in body


def test_the_server_error_page_is_russian_and_standalone():
    from django.template.loader import render_to_string

    # 500.html is rendered with no context and must not need the database or a user.
    body = render_to_string("500.html")
    assert "Что-то пошло не так" in body and "в сохранности" in body
