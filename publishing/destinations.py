"""The user's commands on destinations that touch publications: disabling and removing a place.

Both cancel the publications that were waiting for the place (scheduled or queued; uploads
already running are asked to stop), as disconnecting a platform does, in one transaction with
the change itself. Adding, renaming, enabling and checking places need no publication, so they
are ``platforms.destinations`` / ``platforms.destination_flows``.
"""

from __future__ import annotations

from django.db import transaction

from clipmaker.accounts.models import User
from clipmaker.logging import log_event
from platforms.destinations import destination_mark_disabled, destination_mark_removed
from platforms.models import Destination
from publishing import rules
from publishing.services import publication_cancel_for_destinations


def destination_disable(*, user: User, destination: Destination) -> int:
    """Stop offering the place for new publications and cancel those waiting for it.

    Returns how many scheduled/queued publications were cancelled.
    """
    with transaction.atomic():
        destination_mark_disabled(destination=destination)
        cancelled = publication_cancel_for_destinations(
            user=user,
            destination_ids=[destination.pk],
            reason="destination_disabled",
            message=rules.destination_cancelled_message(destination, removed=False),
        )
    destination.refresh_from_db()
    log_event(
        "destination_disabled",
        destination_id=destination.pk,
        platform=destination.platform,
        user_id=user.pk,
        cancelled_publications=cancelled,
    )
    return cancelled


def destination_remove(*, user: User, destination: Destination) -> int:
    """Remove the place (its row stays for the publications made to it, with their links and
    stats) and cancel the publications waiting for it. Returns how many were cancelled."""
    with transaction.atomic():
        destination_mark_removed(destinations=Destination.objects.filter(pk=destination.pk))
        cancelled = publication_cancel_for_destinations(
            user=user,
            destination_ids=[destination.pk],
            reason="destination_removed",
            message=rules.destination_cancelled_message(destination, removed=True),
        )
    destination.refresh_from_db()
    log_event(
        "destination_removed",
        destination_id=destination.pk,
        platform=destination.platform,
        user_id=user.pk,
        cancelled_publications=cancelled,
    )
    return cancelled
