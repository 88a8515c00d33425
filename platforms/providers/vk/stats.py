"""VK's stats: ``video.get`` in batches of up to 200 videos, read as views, likes, comments and
reposts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from platforms.providers.types import (
    Credentials,
    PlatformHandle,
    Stats,
    as_int,
)

STATS_BATCH = 200


class VKStatsMixin:
    """Mixed into ``VKProvider`` (first, as its own methods were): stats."""

    if TYPE_CHECKING:  # provided by VKProvider

        def api(
            self,
            method: str,
            params: Mapping[str, Any],
            credentials: Credentials,
            *,
            version: str | None = None,
        ) -> Any: ...

    def video_get(
        self, credentials: Credentials, ids: Sequence[str]
    ) -> dict[str, Mapping[str, Any]]:
        """``video.get`` for up to 200 ``owner_video`` ids; missing (hidden/deleted) ones left out."""
        response = self.api("video.get", {"videos": ",".join(ids), "count": len(ids)}, credentials)
        items = response.get("items", []) if isinstance(response, Mapping) else []
        return {f"{item.get('owner_id')}_{item.get('id')}": item for item in items}

    def fetch_stats(
        self, *, credentials: Credentials, handles: Sequence[PlatformHandle]
    ) -> dict[str, Stats]:
        result: dict[str, Stats] = {}
        ids = list(dict.fromkeys(h.id for h in handles))
        for start in range(0, len(ids), STATS_BATCH):
            batch = ids[start : start + STATS_BATCH]
            wanted = set(batch)
            for key, item in self.video_get(credentials, batch).items():
                if key in wanted:
                    result[key] = Stats(
                        views=as_int(item.get("views")),
                        likes=as_int(item.get("likes")),
                        comments=as_int(item.get("comments")),
                        shares=as_int(item.get("reposts")),
                    )
        return result
