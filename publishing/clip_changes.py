"""The user's changes to a clip itself: its title and description, and deleting it.

A clip cannot be deleted while any of its publications is queued or publishing (a worker may be
sending its bytes). Deleting removes the clip's file, its publications' records and stats;
what was already published stays on the platforms.
"""

from __future__ import annotations

from django.db import transaction

from clipmaker.accounts.models import User
from clipmaker.clips.models import Clip
from clipmaker.logging import log_event
from publishing.models import Publication, PublicationStatus

BUSY_STATUSES = (PublicationStatus.QUEUED, PublicationStatus.PUBLISHING)
TITLE_MAX = 255


class ClipChangeError(ValueError):
    """A change refused; the message is for the user (Russian)."""


class ClipBusy(ClipChangeError):
    """The clip has a publication in flight (API 409)."""


def busy_message(count: int) -> str:
    return (
        "Клип сейчас публикуется: его нельзя удалить, пока публикация не закончится. "
        "Дождитесь результата или отмените публикацию."
        if count == 1
        else f"Клип сейчас публикуется ({count} публикации в очереди или в работе): его нельзя "
        "удалить, пока они не закончатся. Дождитесь результата или отмените их."
    )


def clip_busy_publications(*, clip: Clip) -> list[Publication]:
    return list(clip.publications.filter(status__in=BUSY_STATUSES).select_related("destination"))


def clip_update(*, clip: Clip, title: str, description: str) -> Clip:
    """New title and description (the defaults of future publications; what was already
    published keeps the text it was sent with)."""
    title = (title or "").strip()
    if not title:
        raise ClipChangeError("Введите название клипа.")
    if len(title) > TITLE_MAX:
        raise ClipChangeError(f"Название длиннее {TITLE_MAX} символов. Сократите его.")
    clip.title = title
    clip.description = (description or "").strip()
    clip.save(update_fields=["title", "description"])
    log_event("clip_updated", clip_id=clip.pk, user_id=clip.owner_id)
    return clip


def clip_delete(*, clip: Clip, by: User | None = None) -> None:
    """Delete the clip, its file and its publications' records, unless one is in flight.

    The clip's publications are locked first: the dispatcher claims a scheduled one with a
    conditional UPDATE, which waits for this transaction and then finds nothing to claim.
    """
    file_name = clip.file.name
    storage = clip.file.storage
    with transaction.atomic():
        statuses = list(
            Publication.objects.select_for_update()
            .filter(clip_id=clip.pk)
            .values_list("status", flat=True)
        )
        busy = sum(1 for status in statuses if status in BUSY_STATUSES)
        if busy:
            raise ClipBusy(busy_message(busy))
        Clip.objects.filter(pk=clip.pk).delete()
        if file_name:
            transaction.on_commit(lambda: storage.delete(file_name))
    log_event(
        "clip_deleted",
        clip_id=clip.pk,
        user_id=clip.owner_id,
        by_user_id=by.pk if by else None,
        publications=len(statuses),
    )
