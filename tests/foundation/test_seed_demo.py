"""seed_demo: the demo user, a new user without connections, and the support admin."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from clipmaker.accounts.models import Plan, User
from platforms.models import PlatformConnection
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.PLATFORM_SANDBOX = False
    settings.DEBUG = True
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    return tmp_path


def _with_clip(username: str) -> User:
    """A user who already has a clip, so that the command does not render demo videos."""
    user = User.objects.create(username=username, plan=Plan.PRO)
    user.set_unusable_password()
    user.save()
    ClipFactory(owner=user)
    return user


def _run(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_each_user_gets_a_password_of_its_own_kept_for_later_runs(var_dir):
    _with_clip("demo")
    _with_clip("anna")

    first = _run()
    _run("--username", "anna", "--no-connections")
    again = _run()

    demo_password = (var_dir / "demo_password").read_text()
    anna_password = (var_dir / "anna_password").read_text()
    assert demo_password != anna_password
    assert f"login «demo», password «{demo_password}»" in first
    assert f"login «demo», password «{demo_password}»" in again
    assert User.objects.get(username="demo").check_password(demo_password)
    assert User.objects.get(username="anna").check_password(anna_password)
    assert (var_dir / "demo_password").stat().st_mode & 0o777 == 0o600


def test_a_new_user_without_connections_connects_on_the_settings_page(var_dir, settings):
    settings.PLATFORM_SANDBOX = True
    _with_clip("anna")

    _run("--username", "anna", "--no-connections")

    assert not PlatformConnection.objects.filter(user__username="anna").exists()


def test_development_keeps_a_support_admin_for_the_admin_site(var_dir, client):
    _with_clip("demo")

    out = _run()

    admin = User.objects.get(username="admin")
    password = (var_dir / "admin_password").read_text()
    assert admin.is_staff and admin.is_superuser
    assert f"login «admin», password «{password}»" in out
    assert client.login(username="admin", password=password)
    assert client.get("/admin/publishing/publication/").status_code == 200


def test_passwords_from_the_environment_win(var_dir, monkeypatch):
    _with_clip("demo")
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-1")
    monkeypatch.setenv("ADMIN_PASSWORD", "admin-pass-1")

    _run()
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-2")
    out = _run()

    assert User.objects.get(username="demo").check_password("demo-pass-2")
    assert User.objects.get(username="admin").check_password("admin-pass-1")
    assert "password «demo-pass-2»" in out
    assert not (var_dir / "demo_password").exists()


def test_production_creates_no_admin(var_dir, settings):
    settings.DEBUG = False
    _with_clip("demo")

    out = _run()

    assert not User.objects.filter(username="admin").exists()
    assert "admin" not in out
