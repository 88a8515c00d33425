"""The user's commands on publications: publish, cancel, retry, and disconnecting a platform
(which cancels what was waiting for its destinations).

Pages, the API, the admin and management commands call these; the rules they apply live in
``publishing.rules`` and every state change is a ``publishing.transitions`` edge. Messages go
to the workers only after the transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from clipmaker.accounts.models import User
from clipmaker.clips.models import Clip
from clipmaker.logging import log_event
from platforms.destinations import destination_mark_removed
from platforms.models import ConnectionStatus, Destination, PlatformConnection
from platforms.services import connection_revoke
from publishing import modes, rules, transitions, validation
from publishing.models import Publication, PublicationStatus
from publishing.queue import publication_enqueue


class PublicationError(Exception):
    """Base of the errors the pages and the API show to the user."""


class PublicationValidationError(PublicationError):
    """The request cannot be published as asked (API 400); nothing was created."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(m for msgs in errors.values() for m in msgs))


class PublicationConflict(PublicationValidationError):
    """A publication of this clip is already scheduled or in progress there (API 409)."""


class PublicationStateError(PublicationError):
    """The publication is not in a state that allows this action (API 409)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def publication_check_destinations(
    *,
    user: User,
    clip: Clip,
    destinations: Sequence[Destination],
    scheduled_at: datetime | None = None,
) -> dict[str, list[str]]:
    """Why each destination cannot be published to now (Russian), keyed ``destination:<id>``,
    plus ``clip`` and ``scheduled_at``; empty when all can. No writes (the publish panel)."""
    targets = validation.Targets(
        destinations=list(destinations),
        keys={d.pk: validation.destination_key(d.pk) for d in destinations},
    )
    errors, _ = validation.check_publish(
        user=user, clip=clip, targets=targets, scheduled_at=scheduled_at
    )
    errors.pop("destinations", None)
    return errors


def publication_check_platforms(
    *,
    user: User,
    clip: Clip,
    platforms: Sequence[str],
    scheduled_at: datetime | None = None,
) -> dict[str, list[str]]:
    """Why each platform cannot be published to now (the older request by platform), keyed by
    platform, plus ``clip``, ``platforms`` and ``scheduled_at``; empty when all can."""
    targets = validation.resolve_platforms(user=user, platforms=platforms)
    errors, _ = validation.check_publish(
        user=user, clip=clip, targets=targets, scheduled_at=scheduled_at, empty_key="platforms"
    )
    return errors


def _raise_for(errors: dict[str, list[str]], conflicts: set[str]) -> None:
    if not errors:
        return
    if conflicts and set(errors) == conflicts:
        raise PublicationConflict(errors)
    raise PublicationValidationError(errors)


def _targets(
    *, user: User, destinations: Sequence[object] | None, platforms: Sequence[str] | None
) -> tuple[validation.Targets, str]:
    if destinations is not None:
        return validation.resolve_destinations(user=user, ids=destinations), "destinations"
    return validation.resolve_platforms(user=user, platforms=platforms or []), "platforms"


def publication_create(
    *,
    user: User,
    clip: Clip,
    destinations: Sequence[object] | None = None,
    platforms: Sequence[str] | None = None,
    scheduled_at: datetime | None = None,
    title: str | None = None,
    description: str | None = None,
    vk_mode: str | None = None,
) -> list[Publication]:
    """One publication per destination, scheduled or queued at once; all or nothing.

    ``vk_mode`` ("clip" or "video") applies to the VK destinations; without it each takes its
    place's default (``modes.publish_modes``).

    ``destinations`` are destination ids (errors keyed ``destination:<id>``); without them,
    ``platforms`` names platforms, each meaning the user's one enabled destination there
    (errors keyed by platform). Raises ``PublicationValidationError`` (nothing created) or
    ``PublicationConflict`` when the only problem is a publication already in flight (also
    when a concurrent request won the race to the partial unique constraint).
    """
    targets, empty_key = _targets(user=user, destinations=destinations, platforms=platforms)
    errors, conflicts = validation.check_publish(
        user=user, clip=clip, targets=targets, scheduled_at=scheduled_at, empty_key=empty_key
    )
    if vk_mode and vk_mode not in modes.VK_MODES:
        errors.setdefault("vk_mode", []).append(modes.VK_MODE_INVALID_MESSAGE)
    _raise_for(errors, conflicts)
    scheduled_at = rules.aware(scheduled_at)
    title = (title if title is not None and title.strip() else clip.title)[:255]
    description = description if description is not None else clip.description
    try:
        with transaction.atomic():
            created = transitions.created(
                clip=clip,
                user=user,
                destinations=targets.destinations,
                title=title,
                description=description,
                scheduled_at=scheduled_at,
                modes=modes.publish_modes(targets.destinations, requested=vk_mode),
            )
            to_send = [(p.pk, p.platform) for p in created if p.status == PublicationStatus.QUEUED]
            transaction.on_commit(lambda: _enqueue_all(to_send))
    except IntegrityError:
        # Another request created one of them between our check and our insert.
        errors, conflicts = validation.check_publish(
            user=user, clip=clip, targets=targets, scheduled_at=None, empty_key=empty_key
        )
        if not errors:
            errors = {
                targets.keys[d.pk]: [rules.in_flight_message(d.platform, place=d.label)]
                for d in targets.destinations
            }
        raise PublicationConflict(errors) from None
    return created


def _enqueue_all(rows: list[tuple[int, str]]) -> None:
    for publication_id, platform in rows:
        publication_enqueue(publication_id=publication_id, platform=platform)


def publication_cancel(*, publication: Publication) -> Publication:
    """Cancel a scheduled or queued publication.

    One whose file is being sent is not interrupted mid-body: it is marked
    ``cancel_requested_at`` and the engine cancels it at its next transition instead of
    retrying it (if that upload succeeds, the post exists and the publication ends
    ``published``). One the platform already has (processing) or that has ended cannot be
    cancelled: ``PublicationStateError``.
    """
    for _ in range(3):
        publication.refresh_from_db()
        refusal = rules.cancel_refusal(publication)
        if refusal is not None:
            raise PublicationStateError(refusal)
        # The handle only changes under a claim (status publishing), so guarding on the status
        # (and the claim) keeps the rule's answer true until the UPDATE.
        guard = Publication.objects.filter(
            pk=publication.pk, status=publication.status, claim_token=publication.claim_token
        )
        if publication.status == PublicationStatus.PUBLISHING:
            moved = transitions.cancel_requested(guard, publication, now=timezone.now())
        else:
            moved = bool(transitions.cancelled(guard, publication, reason="user"))
        if moved:
            break
    else:
        raise PublicationStateError("Публикация как раз меняет состояние. Обновите страницу.")
    publication.refresh_from_db()
    return publication


def publication_retry(*, publication: Publication, vk_mode: str | None = None) -> Publication:
    """Queue a failed publication again with a fresh set of attempts.

    The stored platform handle is kept: if the platform did get the video before the failure,
    the new attempt finds it there instead of posting a second one. ``vk_mode``: retry a VK
    publication in that mode (e.g. as a video after VK refused the account Клипы); refused
    while VK holds the earlier mode's upload.
    """
    refusal = rules.retry_refusal(publication)
    if refusal is None and vk_mode and vk_mode != publication.vk_mode:
        refusal = modes.mode_switch_refusal(publication, vk_mode=vk_mode)
    if refusal is not None:
        raise PublicationStateError(refusal)
    try:
        with transaction.atomic():
            guard = Publication.objects.filter(pk=publication.pk, status=PublicationStatus.FAILED)
            if vk_mode and vk_mode != publication.vk_mode:
                transitions.mode_changed(guard, publication, vk_mode=vk_mode)
            moved = transitions.retried(guard, publication, now=timezone.now())
            if moved:
                pid, platform = publication.pk, publication.platform
                transaction.on_commit(
                    lambda: publication_enqueue(publication_id=pid, platform=platform)
                )
    except IntegrityError:
        raise PublicationStateError(
            rules.in_flight_message(publication.platform, place=publication.destination.label)
        ) from None
    if not moved:
        raise PublicationStateError(rules.RETRY_ONLY_FAILED_MESSAGE)
    publication.refresh_from_db()
    return publication


def publication_cancel_for_destinations(
    *, user: User, destination_ids: Sequence[int], reason: str, message: str
) -> int:
    """Cancel the user's scheduled and queued publications to these destinations (disconnected,
    removed or disabled). Uploads already running are asked to stop at their next transition.
    Returns how many scheduled/queued ones were cancelled (what
    ``publication_pending_count`` showed)."""
    now = timezone.now()
    mine = Publication.objects.filter(clip__owner=user, destination_id__in=list(destination_ids))
    waiting = mine.filter(status__in=rules.WAITING_STATUSES)
    # A retry of a clip the platform may already have is not cancelled (that could report
    # "cancelled" for a live post): its next attempt ends it with a message saying so.
    delivered = [
        p.pk for p in waiting.filter(platform_handle__isnull=False) if rules.platform_may_have_it(p)
    ]
    cancelled = transitions.cancelled(
        waiting.exclude(pk__in=delivered),
        None,
        reason=reason,
        message=message,
        user_id=user.pk,
        destination_ids=list(destination_ids),
    )
    running = mine.filter(status=PublicationStatus.PUBLISHING, claim_token__isnull=False)
    for publication in running:
        transitions.cancel_requested(
            running.filter(pk=publication.pk, claim_token=publication.claim_token),
            publication,
            now=now,
        )
    return cancelled


def publication_cancel_for_disconnect(*, user: User, platform: str) -> int:
    """Cancel the user's scheduled and queued publications to every destination of a platform
    (what disconnecting all its connections does)."""
    ids = Destination.objects.filter(
        connection__user=user, connection__platform=platform
    ).values_list("pk", flat=True)
    return publication_cancel_for_destinations(
        user=user,
        destination_ids=list(ids),
        reason="disconnected",
        message=rules.disconnect_cancelled_message(platform),
    )


def connection_disconnect(
    *, user: User, platform: str | None = None, connection_id: Any = None
) -> int:
    """Disconnect one connection (``connection_id``) or every connection to a ``platform``:
    wipe the tokens, mark it ``revoked``, remove its destinations and cancel the user's
    publications that were waiting for them, in one transaction.

    Returns how many scheduled/queued publications were cancelled. Raises
    ``PlatformConnection.DoesNotExist`` when the user has no such live connection.
    """
    live = PlatformConnection.objects.exclude(status=ConnectionStatus.REVOKED).filter(user=user)
    if connection_id is not None:
        live = live.filter(pk=connection_id)
    elif platform is not None:
        live = live.filter(platform=platform)
    else:
        raise ValueError("connection_disconnect needs platform or connection_id")
    with transaction.atomic():
        connections = list(live.select_for_update())
        if not connections:
            raise PlatformConnection.DoesNotExist
        cancelled = 0
        for connection in connections:
            places = Destination.objects.filter(connection=connection)
            ids = list(places.values_list("pk", flat=True))
            destination_mark_removed(destinations=places)
            connection_revoke(connection=connection)
            cancelled += publication_cancel_for_destinations(
                user=user,
                destination_ids=ids,
                reason="disconnected",
                message=rules.disconnect_cancelled_message(connection.platform),
            )
    for connection in connections:
        log_event(
            "platform_disconnected",
            connection_id=str(connection.pk),
            platform=connection.platform,
            user_id=user.pk,
            cancelled_publications=cancelled,
        )
    return cancelled
