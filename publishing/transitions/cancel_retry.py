"""Cancelling and coming back: ``cancelled`` (by the user, a disconnect, a plan, or a cancel
request honoured), and the user's ways back to ``queued`` or ``scheduled``: «Повторить» after a
failure or a disconnect, «Вернуть» seconds after their own cancel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from clipmaker.logging import log_event
from publishing.models import Publication, PublicationStatus
from publishing.transitions.common import _RELEASE, Guard, _fields, _update


def cancelled(
    guard: Guard,
    pub: Publication | None,
    *,
    reason: str,
    message: str = "",
    code: str = "",
    **log: Any,
) -> int:
    """Ends ``cancelled``: by the user, for a disconnect, for a plan, or honouring a cancel
    request once an upload stopped. ``message`` explains a cancel the user did not ask for;
    ``code`` remembers why for the rules (``disconnected``: «Повторить» once it is back).

    The guard may match many rows (a disconnect cancels a user's waiting publications at once:
    ``pub`` is then ``None`` and ``log`` says whose); returns how many moved.
    """
    now = timezone.now()
    moved = guard.update(
        status=PublicationStatus.CANCELLED,
        finished_at=now,
        error_message=message,
        error_code=code[:64],
        next_attempt_at=None,
        enqueued_at=None,
        updated_at=now,
        **_RELEASE,
    )
    if moved:
        fields = _fields(pub, **log) if pub is not None else log
        log_event("publish_job_cancelled", reason=reason, rows=moved, **fields)
    return moved


def retried(guard: Guard, pub: Publication, *, now: datetime) -> bool:
    """A failed publication goes back to ``queued`` with a fresh set of attempts (the user's
    «Повторить»). The stored handle is kept: the new attempt checks it before sending."""
    moved = _update(
        guard,
        status=PublicationStatus.QUEUED,
        attempts=0,
        queued_at=now,
        next_attempt_at=now,
        enqueued_at=now,
        finished_at=None,
        error_message="",
        error_code="",
        bytes_sent=0,
        cancel_requested_at=None,
        updated_at=now,
        **_RELEASE,
    )
    if moved:
        log_event("publication_retried", **_fields(pub))
    return moved


def uncancelled(
    guard: Guard,
    pub: Publication,
    *,
    status: str,
    scheduled_at: datetime | None,
    queued_at: datetime | None,
    next_attempt_at: datetime | None,
    error_message: str,
    now: datetime,
) -> bool:
    """The user's undo of their own cancel, seconds later: the row goes back to the
    ``scheduled`` or ``queued`` state it was cancelled from (nothing had been sent). Its
    message is left to the dispatcher, which sends it when it is due."""
    changes: dict[str, Any] = {
        "status": status,
        "scheduled_at": scheduled_at,
        "queued_at": queued_at,
        "next_attempt_at": next_attempt_at,
        "enqueued_at": None,
        "finished_at": None,
        "error_message": error_message,
        "error_code": "",
        "updated_at": now,
        **_RELEASE,
    }
    moved = _update(guard, **changes)
    if moved:
        log_event("publication_uncancelled", **_fields(pub, status=status))
    return moved


def resumed(guard: Guard, pub: Publication, *, now: datetime) -> bool:
    """A publication cancelled because its platform was disconnected goes back to ``queued``
    once the platform is connected again (the user's «Повторить»), with a fresh set of
    attempts. Nothing had been sent (a disconnect never cancels a clip the platform may
    have)."""
    moved = _update(
        guard,
        status=PublicationStatus.QUEUED,
        attempts=0,
        queued_at=now,
        next_attempt_at=now,
        enqueued_at=now,
        finished_at=None,
        error_message="",
        error_code="",
        bytes_sent=0,
        cancel_requested_at=None,
        updated_at=now,
        **_RELEASE,
    )
    if moved:
        log_event("publication_retried", **_fields(pub, after="disconnect"))
    return moved
