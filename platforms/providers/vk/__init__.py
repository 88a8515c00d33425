"""VK Клипы / VK Видео adapter, split by concern.

- ``provider.py``: the ``VKProvider`` class — settings, API calls and errors,
  the two publishing modes' shared steps (upload, resume, checks);
- ``clips.py``: Клип mode, the undocumented ``shortVideo.*`` methods;
- ``videos.py``: Видео mode, ``video.save`` and the optional ``wall.post``;
- ``connection.py``: checking a token, the VK ID exchange and refresh;
- ``drafts.py``: what a failed publication left unpublished, and its removal;
- ``stats.py``: ``video.get`` read as stats;
- ``orphans.py``: what a lost answer to a create call left behind on VK;
- ``errors.py``: VK's error codes (inside HTTP 200) and what the user reads.

The import path ``platforms.providers.vk`` is the adapter's public name.
"""

from __future__ import annotations

from .errors import CLIPS_REFUSED, VK_ERRORS
from .provider import VKProvider, vk_link

__all__ = ["CLIPS_REFUSED", "VK_ERRORS", "VKProvider", "vk_link"]
