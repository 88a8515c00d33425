"""Create the demo user with demo clips and, with the sandbox on, four connected platforms.

Idempotent: running it again keeps existing data. The password comes from DEMO_PASSWORD, or is
generated once into var/demo_password and printed.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from clipmaker.accounts.models import Plan, User
from clipmaker.clips.demo import SOURCES, make_demo_video
from clipmaker.clips.services import clip_import_path

DEMO_CLIPS = [
    ("Как мы сделали клип за 5 минут", "Короткий рассказ о монтаже в КлипМейкере. #клипмейкер"),
    ("Утренний город", "Таймлапс утреннего города."),
    ("Рецепт дня: сырники", "Быстрые сырники на завтрак."),
]
LARGE_CLIP = ("Длинный концерт (60 МБ)", "Большой файл: Telegram его не примет (максимум 50 МБ).")


class Command(BaseCommand):
    help = "Creates the demo user (plan Pro), demo clips and sandbox platform connections."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--no-connections", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user, created = User.objects.get_or_create(
            username=options["username"], defaults={"plan": Plan.PRO}
        )
        password = self._password(user, created)
        if password:
            user.set_password(password)
            user.save()
        if not user.clips.exists():
            self._make_clips(user)
        if settings.PLATFORM_SANDBOX and not options["no_connections"]:
            self._connect_sandbox(user)
        shown = password or self._stored_password()
        self.stdout.write(f"Demo user: login «{user.username}», password «{shown}».")

    def _password_file(self) -> Path:
        return Path(settings.VAR_DIR) / "demo_password"

    def _stored_password(self) -> str:
        env_password = os.environ.get("DEMO_PASSWORD")
        if env_password:
            return env_password
        path = self._password_file()
        return path.read_text().strip() if path.exists() else "(unchanged)"

    def _password(self, user: User, created: bool) -> str | None:
        env_password = os.environ.get("DEMO_PASSWORD")
        if env_password:
            return env_password if (created or not user.check_password(env_password)) else None
        if not created and user.has_usable_password():
            return None
        password = secrets.token_urlsafe(9)
        self._password_file().write_text(password)
        self._password_file().chmod(0o600)
        return password

    def _make_clips(self, user: User) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            for index, (title, description) in enumerate(DEMO_CLIPS):
                path = make_demo_video(
                    Path(tmp) / f"demo-{index + 1}.mp4", source=SOURCES[index % len(SOURCES)]
                )
                clip_import_path(owner=user, path=path, title=title, description=description)
            path = make_demo_video(
                Path(tmp) / "demo-large.mp4", source="smptebars", pad_to_bytes=60 * 1024 * 1024
            )
            clip_import_path(owner=user, path=path, title=LARGE_CLIP[0], description=LARGE_CLIP[1])
        self.stdout.write(f"Created {len(DEMO_CLIPS) + 1} demo clips.")

    def _connect_sandbox(self, user: User) -> None:
        from platforms.sandbox.demo import connect_demo_user

        connected = connect_demo_user(user)
        if connected:
            self.stdout.write(f"Connected to the sandbox: {', '.join(connected)}.")
