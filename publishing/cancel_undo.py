"""Taking back a cancel: «Отменить» on the pages offers «Вернуть» for a few seconds.

The cancel hands out a signed ticket (bound to the user and to the moment of the cancel) that
carries what the row was; the undo restores exactly that, through ``publishing.transitions``,
only while nothing of the clip reached the platform and nothing changed the row since.
"""

from __future__ import annotations

from datetime import datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from clipmaker.accounts.models import User
from publishing import rules, transitions
from publishing.models import Publication, PublicationStatus
from publishing.services import PublicationStateError, publication_cancel

_UNDO_SALT = "publishing.cancel-undo"


def publication_cancel_with_undo(
    *, publication: Publication, user: User
) -> tuple[Publication, str | None]:
    """``publication_cancel``, plus a signed ticket that lets this user take the cancel back
    for ``rules.UNDO_CANCEL_SECONDS`` (``publication_uncancel``): None when the cancel only
    asked a running upload to stop (bytes are going out: nothing to give back).

    The ticket carries what the row was (status and times); it is bound to the user and to
    the moment of the cancel, so it restores exactly this cancel and nothing later."""
    before = Publication.objects.get(pk=publication.pk)
    publication = publication_cancel(publication=publication)
    if publication.status != PublicationStatus.CANCELLED or before.status not in (
        rules.WAITING_STATUSES
    ):
        return publication, None
    assert publication.finished_at is not None

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    ticket = signing.dumps(
        {
            "p": publication.pk,
            "u": user.pk,
            "s": before.status,
            "sa": iso(before.scheduled_at),
            "qa": iso(before.queued_at),
            "na": iso(before.next_attempt_at),
            "em": before.error_message,
            "at": iso(publication.finished_at),
        },
        salt=_UNDO_SALT,
        compress=True,
    )
    return publication, ticket


def publication_uncancel(*, user: User, ticket: str) -> Publication:
    """Undo the user's cancel within ``rules.UNDO_CANCEL_SECONDS`` (a little grace for the
    network): the row goes back to what it was, only if nothing was sent and it has not
    changed since. Raises ``PublicationStateError`` otherwise."""
    max_age = rules.UNDO_CANCEL_SECONDS + 5
    try:
        data = signing.loads(ticket, salt=_UNDO_SALT, max_age=max_age)
    except signing.BadSignature:
        raise PublicationStateError(rules.UNDO_EXPIRED_MESSAGE) from None
    if data.get("u") != user.pk:
        raise PublicationStateError(rules.UNDO_EXPIRED_MESSAGE)
    publication = Publication.objects.filter(pk=data["p"], clip__owner=user).first()
    if publication is None:
        raise PublicationStateError(rules.UNDO_EXPIRED_MESSAGE)

    def when(key: str) -> datetime | None:
        raw = data.get(key)
        return datetime.fromisoformat(raw) if raw else None

    cancelled_at = when("at")
    assert cancelled_at is not None
    refusal = rules.uncancel_refusal(publication, cancelled_at=cancelled_at)
    if refusal is not None:
        raise PublicationStateError(refusal)
    status = data["s"]
    try:
        with transaction.atomic():
            guard = Publication.objects.filter(
                pk=publication.pk,
                status=PublicationStatus.CANCELLED,
                finished_at=publication.finished_at,
                error_code="",
                platform_handle__isnull=True,
            )
            moved = transitions.uncancelled(
                guard,
                publication,
                status=status,
                scheduled_at=when("sa"),
                queued_at=when("qa"),
                next_attempt_at=when("na"),
                error_message=data.get("em", ""),
                now=timezone.now(),
            )
    except IntegrityError:
        raise PublicationStateError(
            rules.in_flight_message(publication.platform, place=publication.destination.label)
        ) from None
    if not moved:
        raise PublicationStateError(rules.UNDO_EXPIRED_MESSAGE)
    publication.refresh_from_db()
    return publication
