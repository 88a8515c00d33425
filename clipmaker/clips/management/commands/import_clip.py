"""Import a video file as a clip: python manage.py import_clip PATH --user U."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clipmaker.accounts.models import User
from clipmaker.clips.services import ClipError, clip_import_path


class Command(BaseCommand):
    help = (
        "Stores a video file through the configured storage, probes it and records it as a ready "
        "clip (or says why it was rejected)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", required=True, help="username of the clip's owner")
        parser.add_argument("--title", default="")
        parser.add_argument("--description", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            owner = User.objects.get(username=options["user"])
        except User.DoesNotExist:
            raise CommandError(f"No user named {options['user']!r}") from None
        try:
            clip = clip_import_path(
                owner=owner, path=path, title=options["title"], description=options["description"]
            )
        except ClipError as exc:
            raise CommandError(str(exc)) from None
        if not clip.is_ready:
            raise CommandError(f"Clip #{clip.pk} was rejected: {clip.status_message}")
        self.stdout.write(f"Imported clip #{clip.pk} «{clip.title}» ({clip.size_bytes} bytes).")
