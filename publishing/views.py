"""Clip pages: the clip list with uploads, the clip page with its publish panel and publications.

The views live by concern; this module gathers them for ``publishing.urls`` and older imports:
``clip_list_views`` (the list and uploads), ``clip_page_views`` (the clip page and its previews),
``publish_views`` (publish, cancel, retry) and ``poll_views`` (the partials the page polls).
"""

from __future__ import annotations

from publishing.clip_list_views import (
    CLIPS_PER_PAGE,
    LIST_POLL_INTERVAL,
    clip_list,
    clip_list_table,
)
from publishing.clip_page_views import (
    POLL_INTERVAL,
    PROBING_NOTICE,
    UNDO_SESSION_KEY,
    clip_detail,
    clip_state,
    clip_text_preview,
)
from publishing.poll_views import clip_publications
from publishing.publish_views import (
    clip_publish,
    publication_cancel_view,
    publication_retry_view,
    publication_uncancel_view,
)

__all__ = [
    "CLIPS_PER_PAGE",
    "LIST_POLL_INTERVAL",
    "POLL_INTERVAL",
    "PROBING_NOTICE",
    "UNDO_SESSION_KEY",
    "clip_detail",
    "clip_list",
    "clip_list_table",
    "clip_publications",
    "clip_publish",
    "clip_state",
    "clip_text_preview",
    "publication_cancel_view",
    "publication_retry_view",
    "publication_uncancel_view",
]
