"""What one attempt hands the platform, read fresh from the database and storage: the
connection of the publication's place, the clip file as the provider reads it (a signed URL for
platforms that fetch it), and the clip's text and frame for its platform.
"""

from __future__ import annotations

import mimetypes
import os
from typing import BinaryIO, cast

from django.core.files.storage import default_storage

from clipmaker.clips.signing import clip_signed_url
from platforms.models import PlatformConnection
from platforms.providers import (
    ClipFile,
    ClipFileMissing,
    PlatformProvider,
    PublishMeta,
)
from publishing import rules, texts
from publishing.models import Publication


def connection_for(publication: Publication) -> PlatformConnection | None:
    """The connection of the publication's destination, read now (its status may have changed)."""
    connection = (
        PlatformConnection.objects.filter(destinations__pk=publication.destination_id)
        .select_related("user")
        .first()
    )
    if connection is not None:
        publication.destination.connection = connection
    return connection


def clip_file(publication: Publication, provider: PlatformProvider) -> ClipFile:
    """The clip in storage as the provider reads it (a signed URL for platforms that fetch)."""
    clip = publication.clip
    name = clip.file.name
    if not name or not default_storage.exists(name):
        raise ClipFileMissing(rules.FILE_MISSING_MESSAGE, platform=publication.platform)
    return ClipFile(
        name=name,
        size=default_storage.size(name),
        # Django's File proxies the storage's binary file object (read, seek, tell, close: all
        # a provider uses), though it does not subclass BinaryIO.
        open=lambda: cast(BinaryIO, default_storage.open(name, "rb")),
        filename=os.path.basename(name),
        content_type=mimetypes.guess_type(name)[0] or "video/mp4",
        public_url=clip_signed_url(clip_id=clip.pk) if provider.fetches_by_url else None,
    )


def publish_meta(publication: Publication) -> PublishMeta:
    """The clip's text for its platform (its own text over the shared one) and its frame; the
    adapter applies its limits (``text_sent``)."""
    clip = publication.clip
    title, description = texts.publication_text(publication)
    return PublishMeta(
        title=title,
        description=description,
        duration_seconds=clip.duration_seconds,
        width=clip.width,
        height=clip.height,
        mode=publication.vk_mode,
    )
