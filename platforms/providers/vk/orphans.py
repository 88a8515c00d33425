"""What a lost answer to a create call left on VK, found and deleted before creating again.

When ``video.save`` or ``shortVideo.create`` was sent and no answer came back, VK may have made
an empty video (or a Клип draft) we hold no id of. The engine then holds only the placeholder
handle stored before the call (mode, title, when it was sent), and the retry calls
``orphans_remove``: it reads the owner's newest videos (``video.get`` with ``owner_id``; VK shows
an owner their own videos, including ones still without a file) and deletes each one made since
that call that has no file yet and is ours by its shape — the same title for a video, a Клип
draft for a Клип — with ``video.delete``. A file-less video can only be a create whose upload
never started, so nothing published is ever touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from platforms.providers.types import Credentials, PlatformHandle

LOOKBACK = 20  # newest videos read: a lost answer is recent
CLOCK_SLACK = 120  # seconds: our clock and VK's may differ


class VKOrphansMixin:
    """Mixed into ``VKProvider``: find and delete the debris of a lost create."""

    if TYPE_CHECKING:  # provided by VKProvider

        def api(
            self,
            method: str,
            params: Mapping[str, Any],
            credentials: Credentials,
            *,
            version: str | None = None,
        ) -> Any: ...

        @staticmethod
        def group_id(credentials: Credentials) -> int | None: ...

        def video_delete(self, credentials: Credentials, owner_id: Any, video_id: Any) -> None: ...

    def owner_id(self, credentials: Credentials) -> int | None:
        group_id = self.group_id(credentials)
        if group_id:
            return -group_id
        account = str(credentials.account_id)
        return int(account) if account.lstrip("-").isdigit() else None

    def orphans_remove(self, credentials: Credentials, placeholder: PlatformHandle) -> int:
        """Delete what the create call of ``placeholder`` may have left; how many were found."""
        sent_at = int(placeholder.data.get("create_sent_at") or 0)
        answer = self.api(
            "video.get", {"owner_id": self.owner_id(credentials), "count": LOOKBACK}, credentials
        )
        items = answer.get("items", []) if isinstance(answer, Mapping) else []
        found = [
            item
            for item in items
            if isinstance(item, Mapping) and self.is_orphan(item, placeholder, sent_at)
        ]
        for item in found:
            self.video_delete(credentials, item.get("owner_id"), item.get("id"))
        return len(found)

    @staticmethod
    def is_orphan(item: Mapping[str, Any], placeholder: PlatformHandle, sent_at: int) -> bool:
        if int(item.get("date") or 0) < sent_at - CLOCK_SLACK or item.get("duration"):
            return False  # older than our call, or it has a file
        if placeholder.data.get("mode") == "clip":
            return item.get("type") == "short_video"
        return item.get("type") != "short_video" and item.get("title") == placeholder.data.get(
            "name"
        )
