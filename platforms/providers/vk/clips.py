"""Клип mode: the clips methods ``shortVideo.*`` (undocumented by VK; platform-apis.md,
"VK Клипы", names the public clients that agree on them).

``shortVideo.create`` (``file_size`` in bytes, ``group_id`` in a community) gives a draft's
``owner_id``/``video_id``/``upload_url``; the file goes to the upload URL in the field ``file``;
``shortVideo.edit`` sets the description and who may watch; ``shortVideo.publish`` makes the
draft a Клип (``license_agree=1``, ``wallpost`` as the place's settings say). While VK is still
processing the upload, ``shortVideo.publish`` answers error 3001: the check says "processing"
and the engine asks again later. The draft is private until published, so ``video.get`` by id
lists a Клип only once it is live: a check finds a publish whose answer was lost that way
before publishing again. An account VK does not let use these methods fails with a message
offering to publish as a video (``errors.clips_refused``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from platforms.providers.errors import PermanentError, ProviderError, UploadIncomplete
from platforms.providers.types import (
    ClipFile,
    Credentials,
    PlatformHandle,
    PublishMeta,
    PublishResult,
    PublishState,
)

from . import errors as vk_errors

CLIP = "clip"
CLIP_DESCRIPTION_MAX = 5000


def clip_description(meta: PublishMeta) -> str:
    """A Клип has one text: the title, then the description."""
    parts = [meta.title.strip(), meta.description.strip()]
    return "\n\n".join(p for p in parts if p)[:CLIP_DESCRIPTION_MAX]


class VKClipsMixin:
    """Mixed into ``VKProvider``: the Клип steps."""

    if TYPE_CHECKING:  # provided by VKProvider

        def api(
            self,
            method: str,
            params: Mapping[str, Any],
            credentials: Credentials,
            *,
            version: str | None = None,
        ) -> Any: ...

        def clips_api_version(self) -> str: ...

        @staticmethod
        def group_id(credentials: Credentials) -> int | None: ...

        @staticmethod
        def wallpost(credentials: Credentials) -> bool: ...

        def link(self, handle: PlatformHandle) -> str: ...

        def listed(
            self, credentials: Credentials, handle: PlatformHandle
        ) -> Mapping[str, Any] | None: ...

        def restricted(self, item: Mapping[str, Any]) -> None: ...

    def clips_api(self, method: str, params: Mapping[str, Any], credentials: Credentials) -> Any:
        """A clips method; a refusal of the account itself becomes ``clips_refused``."""
        try:
            return self.api(method, params, credentials, version=self.clips_api_version())
        except PermanentError as err:
            if err.code in vk_errors.CLIPS_REFUSAL_CODES:
                raise vk_errors.clips_refused(err) from None
            raise

    def clip_create(self, credentials: Credentials, clip: ClipFile) -> PlatformHandle:
        group_id = self.group_id(credentials)
        created = self.clips_api(
            "shortVideo.create", {"file_size": clip.size, "group_id": group_id}, credentials
        )
        owner_id, video_id = created["owner_id"], created["video_id"]
        return PlatformHandle(
            id=f"{owner_id}_{video_id}",
            data={
                "mode": CLIP,
                "owner_id": owner_id,
                "video_id": video_id,
                "upload_url": created["upload_url"],
                "group_id": group_id,
                "wallpost": self.wallpost(credentials),
                "uploaded": False,
            },
        )

    def clip_edit(
        self, credentials: Credentials, meta: PublishMeta, handle: PlatformHandle
    ) -> PlatformHandle:
        """Description and privacy; repeating it (a lost answer) changes nothing."""
        self.clips_api(
            "shortVideo.edit",
            {
                "owner_id": handle.data["owner_id"],
                "video_id": handle.data["video_id"],
                "description": clip_description(meta),
                "privacy_view": "all",
                "can_make_duet": 1,
                "group_id": handle.data.get("group_id"),
            },
            credentials,
        )
        return handle.with_data(edited=True)

    def clip_check(self, credentials: Credentials, handle: PlatformHandle) -> PublishResult:
        data = handle.data
        if not data.get("uploaded") or not data.get("edited"):
            # Resumed by the engine's retry (publish with this handle), which finishes them.
            raise UploadIncomplete(platform="vk", code="clip_not_ready")
        if data.get("published"):
            return PublishResult(state=PublishState.PUBLISHED, handle=handle, url=self.link(handle))
        item = self.listed(credentials, handle)
        if item is not None:  # live already: a publish whose answer was lost went through
            self.restricted(item)
            handle = handle.with_data(published=True)
            return PublishResult(state=PublishState.PUBLISHED, handle=handle, url=self.link(handle))
        try:
            answer = self.clips_api(
                "shortVideo.publish",
                {
                    "owner_id": data["owner_id"],
                    "video_id": data["video_id"],
                    "license_agree": 1,
                    "publish_date": 0,
                    "wallpost": 1 if data.get("wallpost") else 0,
                    "group_id": data.get("group_id"),
                },
                credentials,
            )
        except ProviderError as err:
            if err.code == vk_errors.STILL_PROCESSING:
                return PublishResult(
                    state=PublishState.PROCESSING, handle=handle, url=self.link(handle)
                )
            raise
        handle = handle.with_data(published=True)
        if isinstance(answer, Mapping) and answer.get("wall_post_id"):
            handle = handle.with_data(clip_wall_post_id=answer["wall_post_id"])
        return PublishResult(state=PublishState.PUBLISHED, handle=handle, url=self.link(handle))
