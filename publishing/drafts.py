"""Drafts left on a platform by a publication that ended failed or cancelled.

Some platforms keep what an attempt created before it was published (a VK Клип draft, a video
whose file never arrived). When a publication ends failed or cancelled, the engine asks the
provider whether its handle left such a draft (``leaves_draft``) and has it removed
(``discard``); the handle is then forgotten (``transitions.draft_discarded``), so a later
«Повторить» starts afresh. Best effort: a refusal or an outage keeps the handle, and the draft
is resumed by a retry instead.
"""

from __future__ import annotations

import logging

from clipmaker.logging import log_event
from platforms.models import PlatformConnection
from platforms.providers import PlatformHandle, ProviderError, get_provider
from publishing import transitions
from publishing.models import FINAL_STATUSES, Publication, PublicationStatus


def draft_discard(*, publication: Publication, connection: PlatformConnection | None) -> bool:
    """Remove the unpublished draft of a publication that has just ended; whether one was."""
    if publication.platform_handle is None or publication.status == PublicationStatus.PUBLISHED:
        return False
    provider = get_provider(publication.platform)
    handle = PlatformHandle.from_json(publication.platform_handle)
    if not provider.leaves_draft(handle) or connection is None or not connection.is_active:
        return False
    try:
        discarded = provider.discard(
            credentials=publication.destination.credentials(connection), handle=handle
        )
    except ProviderError as err:
        log_event(
            "publication_draft_kept",
            level=logging.WARNING,
            publication_id=publication.pk,
            platform=publication.platform,
            **transitions.error_fields(err),
        )
        return False
    if not discarded:
        return False
    ended = Publication.objects.filter(pk=publication.pk, status__in=FINAL_STATUSES)
    return transitions.draft_discarded(
        ended.exclude(status=PublicationStatus.PUBLISHED), publication
    )
