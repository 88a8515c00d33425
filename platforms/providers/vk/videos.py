"""Видео mode: ``video.save`` (documented; no ``is_short``: VK's schema has no such parameter),
the file in the field ``video_file``, then — once VK has processed it, and when the place's
settings ask for it — a ``wall.post`` with ``attachments=video{owner}_{id}`` (``from_group=1``
in a community). The link is the wall post, or the video when no wall post was asked for.

``wall.post`` carries ``guid`` (VK: "a unique id that prevents sending the same post twice"),
one per video, so a post whose answer was lost is not posted again by the next check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from platforms.providers.errors import UploadIncomplete
from platforms.providers.types import (
    Credentials,
    PlatformHandle,
    PublishMeta,
    PublishResult,
    PublishState,
)

VIDEO = "video"
NAME_MAX = 128
DESCRIPTION_MAX = 5000
WALL_MESSAGE_MAX = 4000


class VKVideosMixin:
    """Mixed into ``VKProvider``: the Видео steps."""

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

        @staticmethod
        def wallpost(credentials: Credentials) -> bool: ...

        def link(self, handle: PlatformHandle) -> str: ...

        def listed(
            self, credentials: Credentials, handle: PlatformHandle
        ) -> Mapping[str, Any] | None: ...

        def restricted(self, item: Mapping[str, Any]) -> None: ...

        def gone(self) -> Exception: ...

    def save_params(self, credentials: Credentials, meta: PublishMeta) -> dict[str, Any]:
        params: dict[str, Any] = {
            "name": meta.title[:NAME_MAX],
            "description": meta.description[:DESCRIPTION_MAX],
        }
        group_id = self.group_id(credentials)
        if group_id:
            params["group_id"] = group_id
        return params

    def video_create(self, credentials: Credentials, meta: PublishMeta) -> PlatformHandle:
        saved = self.api("video.save", self.save_params(credentials, meta), credentials)
        wallpost = self.wallpost(credentials)
        message = "\n\n".join(p for p in (meta.title.strip(), meta.description.strip()) if p)
        return PlatformHandle(
            id=f"{saved['owner_id']}_{saved['video_id']}",
            data={
                "mode": VIDEO,
                "owner_id": saved["owner_id"],
                "video_id": saved["video_id"],
                "upload_url": saved["upload_url"],
                "access_key": saved.get("access_key", ""),
                "group_id": self.group_id(credentials),
                "wallpost": wallpost,
                # The wall post's text, kept for the check that posts it once VK is ready.
                "message": message[:WALL_MESSAGE_MAX] if wallpost else "",
                "uploaded": False,
            },
        )

    def video_check(self, credentials: Credentials, handle: PlatformHandle) -> PublishResult:
        item = self.listed(credentials, handle)
        if item is None:
            if handle.data.get("uploaded"):
                raise self.gone()
            raise UploadIncomplete(platform="vk", code="not_uploaded")
        self.restricted(item)
        handle = handle.with_data(uploaded=True)
        if item.get("processing") or item.get("converting"):
            return PublishResult(
                state=PublishState.PROCESSING, handle=handle, url=self.link(handle)
            )
        if handle.data.get("wallpost") and not handle.data.get("wall_post_id"):
            handle = handle.with_data(wall_post_id=self.wall_post(credentials, handle))
        return PublishResult(state=PublishState.PUBLISHED, handle=handle, url=self.link(handle))

    def wall_post(self, credentials: Credentials, handle: PlatformHandle) -> Any:
        owner_id, video_id = handle.data["owner_id"], handle.data["video_id"]
        in_community = int(owner_id) < 0
        answer = self.api(
            "wall.post",
            {
                "owner_id": owner_id,
                "from_group": 1 if in_community else None,
                "message": handle.data.get("message") or "",
                "attachments": f"video{owner_id}_{video_id}",
                "guid": f"clipmaker-{owner_id}_{video_id}",
            },
            credentials,
        )
        return answer.get("post_id") if isinstance(answer, Mapping) else None
