"""Create the demo user with demo clips and, with the sandbox on, four connected platforms.

Idempotent: running it again keeps existing data. The password comes from DEMO_PASSWORD, or is
generated once into var/<username>_password and printed. In development (DEBUG) it also keeps a
support account ``admin`` for /admin/ (password from ADMIN_PASSWORD, or var/admin_password).
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
    help = (
        "Creates the demo user (plan Pro), demo clips and sandbox platform connections, and in "
        "development a support account for /admin/."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument(
            "--no-connections",
            action="store_true",
            help="leave the platforms unconnected (a new user connects them on the settings page)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user, created = User.objects.get_or_create(
            username=options["username"], defaults={"plan": Plan.PRO}
        )
        shown = self._ensure_password(user, created, env_name="DEMO_PASSWORD")
        if not user.clips.exists():
            self._make_clips(user)
        if settings.PLATFORM_SANDBOX and not options["no_connections"]:
            self._connect_sandbox(user)
        self.stdout.write(f"Demo user: login «{user.username}», password «{shown}».")
        if settings.DEBUG:
            admin, created = User.objects.get_or_create(
                username="admin", defaults={"is_staff": True, "is_superuser": True}
            )
            shown = self._ensure_password(admin, created, env_name="ADMIN_PASSWORD")
            self.stdout.write(f"Support admin (/admin/): login «admin», password «{shown}».")

    def _ensure_password(self, user: User, created: bool, *, env_name: str) -> str:
        """Set the password from ``env_name``, or generate one into var/ once; return it.

        The environment wins and is re-applied when it changed; a generated password is kept
        in ``var/<username>_password`` (mode 600) so that later runs can print it again.
        """
        path = Path(settings.VAR_DIR) / f"{user.username}_password"
        password = os.environ.get(env_name)
        if password:
            if created or not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            return password
        if not created and user.has_usable_password():
            return path.read_text().strip() if path.exists() else "(unchanged)"
        password = secrets.token_urlsafe(9)
        path.write_text(password)
        path.chmod(0o600)
        user.set_password(password)
        user.save(update_fields=["password"])
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
