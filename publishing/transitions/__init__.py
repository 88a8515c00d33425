"""The only writer of a publication's status: one function per edge of the lifecycle.

Each function takes a *guard* — a queryset that matches the row only while it is still in the
state the caller saw (``filter(pk=..., claim_token=...)``, ``filter(pk=..., status=...)``) — and
performs one conditional UPDATE that sets the new status together with every companion field
that goes with it, then emits the edge's event. It returns whether the row moved: ``False``
means someone else moved it first (a duplicate delivery, a reaper, a user), and the caller must
not act on its stale view. Nothing else in the project writes ``status``::

    scheduled ──due──► queued ──claimed──► publishing ──published──► published
        │                ▲  │                  │ │└──processing (handle kept, claim released)
        └──cancelled     │  └──cancelled       │ └───failed ──► failed ──retried──► queued
                         └────requeued─────────┘     cancelled

The edges live here by group, re-exported from this package: ``scheduling`` (creation and
time), ``one_attempt`` (an attempt and its outcome), ``cancel_retry`` (cancelling and the user's
ways back); ``common`` holds what they share.

Terminal edges (published, failed, cancelled) always clear the claim, the lease and any
pending attempt, so a finished row can never be picked up again.
"""

from __future__ import annotations

from publishing.transitions.cancel_retry import cancelled, resumed, retried, uncancelled
from publishing.transitions.common import Guard, error_fields
from publishing.transitions.one_attempt import (
    cancel_requested,
    check_claimed,
    claimed,
    draft_discarded,
    failed,
    handle_stored,
    mode_changed,
    processing,
    progressed,
    published,
    requeued,
)
from publishing.transitions.scheduling import created, dispatched, rescheduled, schedule_moved, sent

__all__ = [
    "Guard",
    "cancel_requested",
    "cancelled",
    "check_claimed",
    "claimed",
    "created",
    "dispatched",
    "draft_discarded",
    "error_fields",
    "failed",
    "handle_stored",
    "mode_changed",
    "processing",
    "progressed",
    "published",
    "requeued",
    "rescheduled",
    "resumed",
    "retried",
    "schedule_moved",
    "sent",
    "uncancelled",
]
