"""Re-encrypt every platform token under the newest key of PLATFORM_TOKEN_SECRET."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from platforms.services import connection_tokens_rotate


class Command(BaseCommand):
    help = "Re-encrypts every stored platform token under the newest key and reports the count."

    def handle(self, *args: Any, **options: Any) -> None:
        result = connection_tokens_rotate()
        self.stdout.write(
            f"Re-encrypted {result.rotated} token(s) in {result.connections} connection(s); "
            f"{result.already_current} already under the newest key."
        )
