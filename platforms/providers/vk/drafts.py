"""VK's drafts: what a failed or cancelled publication left unpublished on VK (a Клип never
published, a video whose file never arrived) and its removal with ``video.delete``, never
of a post that went live after all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from platforms.providers.types import (
    Credentials,
    PlatformHandle,
)

from .clips import CLIP


class VKDraftsMixin:
    """Mixed into ``VKProvider`` (first, as its own methods were): drafts."""

    if TYPE_CHECKING:  # provided by VKProvider

        def api(
            self,
            method: str,
            params: Mapping[str, Any],
            credentials: Credentials,
            *,
            version: str | None = None,
        ) -> Any: ...

        def listed(
            self, credentials: Credentials, handle: PlatformHandle
        ) -> Mapping[str, Any] | None: ...

    @classmethod
    def leaves_draft(cls, handle: PlatformHandle) -> bool:
        """A Клип draft that was never published, or a video whose file never arrived."""
        data = handle.data
        if not data.get("video_id"):
            return False
        if data.get("mode") == CLIP:
            return not data.get("published")
        return not data.get("uploaded")

    def discard(self, *, credentials: Credentials, handle: PlatformHandle) -> bool:
        """Delete the draft behind ``handle`` (``video.delete``) unless it went live after all."""
        if not self.leaves_draft(handle):
            return False
        if handle.data.get("edited") and self.listed(credentials, handle) is not None:
            return False  # a publish whose answer was lost did publish it: never delete a post
        self.video_delete(credentials, handle.data["owner_id"], handle.data["video_id"])
        return True

    def video_delete(self, credentials: Credentials, owner_id: Any, video_id: Any) -> None:
        self.api("video.delete", {"owner_id": owner_id, "video_id": video_id}, credentials)
