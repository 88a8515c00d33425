"""The only writer of a publication's status (``publishing.transitions``).

Each edge of the lifecycle is one function: given a guard that still matches, it moves the row
and sets every field that goes with the move, and logs its event; given a guard that no longer
matches (someone moved the row first) it changes nothing and says so. The last tests read the
source tree: nothing else in publishing or stats writes ``status``.
"""

from __future__ import annotations

import ast
import logging
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.forms.models import model_to_dict
from django.utils import timezone

from platforms.providers import PlatformHandle, PublishResult, PublishState, TransientError
from publishing import transitions
from publishing.models import Publication, PublicationStatus
from tests.factories import PublicationFactory, destination_for

from .support import events, handle_json, queued, reload, uploaded_handle_json

pytestmark = pytest.mark.usefixtures("engine_settings")

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def event_log(caplog):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="clipmaker.events")
    return caplog


def mine(pub: Publication) -> transitions.Guard:
    return Publication.objects.filter(pk=pub.pk, claim_token=pub.claim_token)


def claimed_row(clip: Any, **fields: Any) -> Publication:
    now = timezone.now()
    defaults = {
        "status": PublicationStatus.PUBLISHING,
        "claim_token": uuid.uuid4(),
        "lease_expires_at": now + timedelta(minutes=25),
        "attempts": 1,
        "started_at": now,
        "next_attempt_at": None,
        "enqueued_at": None,
    }
    return queued(clip, **{**defaults, **fields})


RESULT = PublishResult(
    state=PublishState.PUBLISHED,
    handle=PlatformHandle(id="fake-9", data={"uploaded": True}),
    url="https://fake.example/v/fake-9",
)


# --- creation and scheduling -------------------------------------------------------------


def test_created_inserts_a_queued_row_due_now_per_platform(fake, fake2, user, clip, event_log):
    before = timezone.now()

    rows = transitions.created(
        clip=clip,
        user=user,
        destinations=[destination_for(user, fake.name), destination_for(user, fake2.name)],
        title="Т",
        description="О",
        scheduled_at=None,
    )

    for row in rows:
        row = reload(row)
        assert row.status == PublicationStatus.QUEUED
        assert before <= row.queued_at == row.next_attempt_at == row.enqueued_at
        assert row.scheduled_at is None
        assert (row.title, row.description, row.created_by) == ("Т", "О", user)
        assert row.bytes_total == clip.size_bytes
    logged = events(event_log, "publication_created")
    assert [(e["publication_id"], e["status"]) for e in logged] == [
        (rows[0].pk, "queued"),
        (rows[1].pk, "queued"),
    ]


def test_created_with_a_time_inserts_a_scheduled_row_not_yet_queued(fake, user, clip):
    at = timezone.now() + timedelta(hours=1)

    [row] = transitions.created(
        clip=clip,
        user=user,
        destinations=[destination_for(user, fake.name)],
        title="Т",
        description="",
        scheduled_at=at,
    )

    row = reload(row)
    assert (row.status, row.scheduled_at) == (PublicationStatus.SCHEDULED, at)
    assert row.queued_at is None and row.next_attempt_at is None and row.enqueued_at is None


def test_created_refuses_a_second_row_in_flight_for_the_same_clip_and_destination(fake, user, clip):
    queued(clip)

    with pytest.raises(IntegrityError), transaction.atomic():
        transitions.created(
            clip=clip,
            user=user,
            destinations=[destination_for(user, fake.name)],
            title="Т",
            description="",
            scheduled_at=None,
        )


def test_dispatched_queues_scheduled_rows_at_their_time(fake, clip):
    at = timezone.now() - timedelta(seconds=1)
    pub = PublicationFactory(
        clip=clip, platform=fake.name, status=PublicationStatus.SCHEDULED, scheduled_at=at
    )
    now = timezone.now()

    moved = transitions.dispatched(
        Publication.objects.filter(pk=pub.pk, status=PublicationStatus.SCHEDULED), now=now
    )

    pub = reload(pub)
    assert moved == 1
    assert pub.status == PublicationStatus.QUEUED
    assert (pub.queued_at, pub.next_attempt_at, pub.enqueued_at) == (now, at, now)


def test_sent_records_when_a_message_went_out_or_that_none_did(fake, clip):
    pub = queued(clip, enqueued_at=None)
    guard = Publication.objects.filter(pk=pub.pk, status=PublicationStatus.QUEUED)
    now = timezone.now()

    assert transitions.sent(guard, now=now) == 1
    assert reload(pub).enqueued_at == now
    assert transitions.sent(guard, now=None) == 1
    assert reload(pub).enqueued_at is None
    assert reload(pub).status == PublicationStatus.QUEUED


def test_rescheduled_moves_the_next_attempt_without_using_one(fake, clip, event_log):
    pub = queued(clip, attempts=2)
    later = timezone.now() + timedelta(seconds=5)

    assert transitions.rescheduled(
        Publication.objects.filter(pk=pub.pk), pub, next_at=later, reason="rate_limit_local"
    )

    pub = reload(pub)
    assert (pub.status, pub.attempts) == (PublicationStatus.QUEUED, 2)
    assert (pub.next_attempt_at, pub.enqueued_at) == (later, None)
    [retry] = events(event_log, "publish_job_retry")
    assert (retry["publication_id"], retry["reason"], retry["uses_attempt"]) == (
        pub.pk,
        "rate_limit_local",
        False,
    )


# --- one attempt ---------------------------------------------------------------------------


def test_claimed_starts_an_attempt_under_a_token_and_a_lease(fake, clip, settings, event_log):
    settings.PUBLISH_LEASE_SECONDS = 600
    pub = queued(clip, attempts=1, platform_handle=handle_json())
    token, now = uuid.uuid4(), timezone.now()

    assert transitions.claimed(
        Publication.objects.filter(pk=pub.pk, status=PublicationStatus.QUEUED),
        pub,
        token=token,
        now=now,
    )

    row = Publication.objects.get(pk=pub.pk)
    assert row.status == PublicationStatus.PUBLISHING
    assert (row.attempts, row.claim_token) == (2, token)
    assert row.lease_expires_at == now + timedelta(seconds=600)
    assert row.started_at == now
    assert row.enqueued_at is None and row.next_attempt_at is None
    assert pub.attempts == 2  # the caller's copy is the claimed row
    [start] = events(event_log, "publish_job_start")
    assert (start["publication_id"], start["attempt"], start["max_attempts"]) == (pub.pk, 2, 4)
    assert start["resume"] is True


def test_handle_stored_keeps_what_a_retry_needs(fake, clip):
    pub = claimed_row(clip)
    long_id = "v" * 200

    assert transitions.handle_stored(
        mine(pub), handle=PlatformHandle(id=long_id, data={"uploaded": False})
    )

    pub = reload(pub)
    assert pub.platform_handle == {"id": long_id, "data": {"uploaded": False}}
    assert pub.platform_video_id == long_id[:128]
    assert pub.status == PublicationStatus.PUBLISHING


def test_progressed_records_the_bytes_sent(fake, clip):
    pub = claimed_row(clip)

    assert transitions.progressed(mine(pub), sent_bytes=32)
    assert reload(pub).bytes_sent == 32


def test_cancel_requested_marks_a_running_upload(fake, clip, event_log):
    pub = claimed_row(clip)
    now = timezone.now()

    assert transitions.cancel_requested(mine(pub), pub, now=now)

    pub = reload(pub)
    assert (pub.status, pub.cancel_requested_at) == (PublicationStatus.PUBLISHING, now)
    assert [e["publication_id"] for e in events(event_log, "publication_cancel_requested")] == [
        pub.pk
    ]


def test_processing_keeps_the_handle_and_releases_the_claim(fake, clip, event_log):
    pub = claimed_row(clip, bytes_sent=10)
    result = PublishResult(
        state=PublishState.PROCESSING, handle=RESULT.handle, url="https://fake.example/v/9"
    )
    check_at = timezone.now() + timedelta(seconds=1)

    assert transitions.processing(mine(pub), pub, result=result, next_check_at=check_at)

    row = Publication.objects.get(pk=pub.pk)
    assert row.status == PublicationStatus.PUBLISHING
    assert row.platform_handle == result.handle.to_json()
    assert (row.platform_video_id, row.platform_url) == ("fake-9", "https://fake.example/v/9")
    assert row.bytes_sent == row.bytes_total
    assert row.claim_token is None and row.lease_expires_at is None
    assert row.next_attempt_at == check_at
    assert row.enqueued_at is not None  # its check is on the way
    [logged] = events(event_log, "publish_job_processing")
    assert (logged["publication_id"], logged["handle"]) == (pub.pk, "fake-9")


def test_check_claimed_pushes_the_next_check_forward(fake, clip):
    pub = queued(clip, status=PublicationStatus.PUBLISHING, platform_handle=uploaded_handle_json())
    now, later = timezone.now(), timezone.now() + timedelta(seconds=4)

    assert transitions.check_claimed(
        Publication.objects.filter(pk=pub.pk), next_check_at=later, now=now
    )

    pub = reload(pub)
    assert (pub.next_attempt_at, pub.enqueued_at) == (later, now)


def test_published_ends_the_row_with_its_link(fake, clip, event_log):
    pub = claimed_row(clip, error_message="Повтор", error_code="x", queued_at=timezone.now())

    assert transitions.published(mine(pub), pub, result=RESULT)

    row = Publication.objects.get(pk=pub.pk)
    assert row.status == PublicationStatus.PUBLISHED
    assert row.published_at is not None and row.finished_at == row.published_at
    assert row.platform_handle == RESULT.handle.to_json()
    assert (row.platform_video_id, row.platform_url) == ("fake-9", RESULT.url)
    assert row.bytes_sent == row.bytes_total
    assert (row.error_message, row.error_code) == ("", "")
    assert row.claim_token is None and row.lease_expires_at is None
    assert row.next_attempt_at is None and row.enqueued_at is None
    [success] = events(event_log, "publish_job_success")
    assert (success["publication_id"], success["url"]) == (pub.pk, RESULT.url)
    assert success["latency_seconds"] >= 0


def test_published_without_a_new_link_keeps_the_one_it_had(fake, clip):
    pub = claimed_row(clip, platform_url="https://fake.example/v/old")
    result = PublishResult(state=PublishState.PUBLISHED, handle=RESULT.handle, url="")

    assert transitions.published(mine(pub), pub, result=result)
    assert reload(pub).platform_url == "https://fake.example/v/old"


def test_requeued_returns_the_row_for_a_later_attempt(fake, clip, event_log):
    pub = claimed_row(clip, bytes_sent=30)
    later = timezone.now() + timedelta(minutes=5)

    assert transitions.requeued(
        mine(pub), pub, next_at=later, message="Повторится автоматически.", reason="transient"
    )

    row = Publication.objects.get(pk=pub.pk)
    assert row.status == PublicationStatus.QUEUED
    assert (row.next_attempt_at, row.enqueued_at) == (later, None)
    assert row.error_message == "Повторится автоматически."
    assert row.claim_token is None and row.lease_expires_at is None
    assert (row.attempts, row.bytes_sent) == (1, 0)
    [retry] = events(event_log, "publish_job_retry")
    assert (retry["publication_id"], retry["reason"], retry["uses_attempt"]) == (
        pub.pk,
        "transient",
        True,
    )


@pytest.mark.parametrize(("bytes_sent", "expected"), [(F("bytes_total"), 48), (None, 30), (0, 0)])
def test_requeued_remembers_or_forgets_the_bytes_as_asked(fake, clip, bytes_sent, expected):
    pub = claimed_row(clip, bytes_sent=30, bytes_total=48)

    transitions.requeued(
        mine(pub), pub, next_at=timezone.now(), message="", reason="x", bytes_sent=bytes_sent
    )

    assert reload(pub).bytes_sent == expected


def test_requeued_without_using_an_attempt_gives_it_back(fake, clip):
    pub = claimed_row(clip, attempts=3)

    transitions.requeued(
        mine(pub), pub, next_at=timezone.now(), message="", reason="rate_limited", use_attempt=False
    )

    assert reload(pub).attempts == 2


def test_failed_ends_the_row_with_a_message_and_a_code(fake, clip, event_log):
    pub = claimed_row(clip, next_attempt_at=timezone.now(), enqueued_at=timezone.now())
    err = TransientError("Сбой.", platform="fake", status=503, code="down", platform_message="x")

    assert transitions.failed(
        mine(pub), pub, message="Не получилось. Нажмите «Повторить».", code="c" * 80, err=err
    )

    row = Publication.objects.get(pk=pub.pk)
    assert row.status == PublicationStatus.FAILED
    assert row.finished_at is not None
    assert row.error_message == "Не получилось. Нажмите «Повторить»."
    assert row.error_code == "c" * 64
    assert row.claim_token is None and row.lease_expires_at is None
    assert row.next_attempt_at is None and row.enqueued_at is None
    [failed] = events(event_log, "publish_job_failed")
    assert (failed["publication_id"], failed["error"], failed["status"], failed["code"]) == (
        pub.pk,
        "TransientError",
        503,
        "down",
    )
    assert [r.levelno for r in event_log.records if r.getMessage() == "publish_job_failed"] == [
        logging.WARNING
    ]


def test_cancelled_ends_the_row_and_clears_what_was_pending(fake, clip, event_log):
    pub = claimed_row(clip, error_code="x", next_attempt_at=timezone.now())

    assert transitions.cancelled(mine(pub), pub, reason="user", message="Отменено.") == 1

    row = Publication.objects.get(pk=pub.pk)
    assert row.status == PublicationStatus.CANCELLED
    assert row.finished_at is not None
    assert (row.error_message, row.error_code) == ("Отменено.", "")
    assert row.claim_token is None and row.lease_expires_at is None
    assert row.next_attempt_at is None and row.enqueued_at is None
    [logged] = events(event_log, "publish_job_cancelled")
    assert (logged["publication_id"], logged["reason"], logged["rows"]) == (pub.pk, "user", 1)


def test_cancelled_may_end_many_rows_at_once(fake, clip, event_log):
    from tests.factories import ClipFactory

    rows = [queued(ClipFactory(owner=clip.owner)) for _ in range(3)]

    moved = transitions.cancelled(
        Publication.objects.filter(pk__in=[r.pk for r in rows]), None, reason="disconnected"
    )

    assert moved == 3
    assert {reload(r).status for r in rows} == {PublicationStatus.CANCELLED}
    [logged] = events(event_log, "publish_job_cancelled")
    assert (logged["reason"], logged["rows"]) == ("disconnected", 3)


def test_retried_queues_a_failed_row_with_fresh_attempts_and_its_handle(fake, clip, event_log):
    pub = queued(
        clip,
        status=PublicationStatus.FAILED,
        attempts=4,
        finished_at=timezone.now(),
        error_message="Ошибка",
        error_code="transient_exhausted",
        bytes_sent=48,
        cancel_requested_at=timezone.now(),
        platform_handle=uploaded_handle_json(),
        enqueued_at=None,
    )
    now = timezone.now()

    assert transitions.retried(
        Publication.objects.filter(pk=pub.pk, status=PublicationStatus.FAILED), pub, now=now
    )

    row = Publication.objects.get(pk=pub.pk)
    assert row.status == PublicationStatus.QUEUED
    assert row.attempts == 0
    assert (row.queued_at, row.next_attempt_at, row.enqueued_at) == (now, now, now)
    assert row.finished_at is None and row.cancel_requested_at is None
    assert (row.error_message, row.error_code, row.bytes_sent) == ("", "", 0)
    assert row.platform_handle == uploaded_handle_json()
    assert [e["publication_id"] for e in events(event_log, "publication_retried")] == [pub.pk]


# --- a guard that no longer matches changes nothing ------------------------------------------

EDGES: dict[str, Callable[[transitions.Guard, Publication], Any]] = {
    "dispatched": lambda g, p: transitions.dispatched(g, now=timezone.now()),
    "sent": lambda g, p: transitions.sent(g, now=timezone.now()),
    "rescheduled": lambda g, p: transitions.rescheduled(g, p, next_at=timezone.now(), reason="x"),
    "claimed": lambda g, p: transitions.claimed(g, p, token=uuid.uuid4(), now=timezone.now()),
    "handle_stored": lambda g, p: transitions.handle_stored(g, handle=RESULT.handle),
    "progressed": lambda g, p: transitions.progressed(g, sent_bytes=1),
    "cancel_requested": lambda g, p: transitions.cancel_requested(g, p, now=timezone.now()),
    "processing": lambda g, p: transitions.processing(
        g, p, result=RESULT, next_check_at=timezone.now()
    ),
    "check_claimed": lambda g, p: transitions.check_claimed(
        g, next_check_at=timezone.now(), now=timezone.now()
    ),
    "published": lambda g, p: transitions.published(g, p, result=RESULT),
    "requeued": lambda g, p: transitions.requeued(
        g, p, next_at=timezone.now(), message="m", reason="x"
    ),
    "failed": lambda g, p: transitions.failed(g, p, message="m", code="x"),
    "cancelled": lambda g, p: transitions.cancelled(g, p, reason="x"),
    "retried": lambda g, p: transitions.retried(g, p, now=timezone.now()),
    "schedule_moved": lambda g, p: transitions.schedule_moved(g, p, scheduled_at=timezone.now()),
    "uncancelled": lambda g, p: transitions.uncancelled(
        g,
        p,
        status="scheduled",
        scheduled_at=timezone.now(),
        queued_at=None,
        next_attempt_at=None,
        error_message="",
        now=timezone.now(),
    ),
    "resumed": lambda g, p: transitions.resumed(g, p, now=timezone.now()),
    "draft_discarded": lambda g, p: transitions.draft_discarded(g, p),
    "mode_changed": lambda g, p: transitions.mode_changed(g, p, vk_mode="video"),
}


@pytest.mark.parametrize("edge", list(EDGES))
def test_an_edge_whose_guard_no_longer_matches_changes_nothing(fake, clip, event_log, edge):
    # Another worker (or the reaper) took the row over: its claim token is not ours.
    pub = claimed_row(clip, bytes_sent=5)
    before = model_to_dict(Publication.objects.get(pk=pub.pk))
    stale = Publication.objects.filter(pk=pub.pk, claim_token=uuid.uuid4())

    moved = EDGES[edge](stale, pub)

    assert not moved
    after = model_to_dict(Publication.objects.get(pk=pub.pk))
    assert after == before
    assert events(event_log) == []


def test_every_edge_is_covered_by_the_guard_test():
    public = {
        name
        for name, value in vars(transitions).items()
        if callable(value)
        and getattr(value, "__module__", "").startswith(f"{transitions.__name__}.")
        and not name.startswith("_")
        and name not in {"created", "error_fields"}
    }

    assert public == set(EDGES)


# --- nothing else writes a status ----------------------------------------------------------

QUERYSET_WRITES = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}


def status_writes(source: str) -> list[str]:
    """Every place in ``source`` that writes a ``status`` field, as ``line: what``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            receiver = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
            if re.match(r"[A-Z]\w*\.objects\b", receiver) and not receiver.startswith(
                "Publication."
            ):
                continue  # another model's manager: its status (if any) is not a publication's
            keywords = {k.arg for k in node.keywords}
            if name in QUERYSET_WRITES | {"Publication"} and "status" in keywords:
                found.append(f"{node.lineno}: {name}(status=...)")
            elif name in QUERYSET_WRITES and None in keywords:
                found.append(f"{node.lineno}: {name}(**...) may write status")
            elif name == "bulk_update" and "status" in _strings(node):
                found.append(f"{node.lineno}: bulk_update([... 'status' ...])")
            elif name == "setattr" and len(node.args) > 1 and _is_str(node.args[1], "status"):
                found.append(f"{node.lineno}: setattr(..., 'status', ...)")
            elif name == "save" and "status" in _strings(node):
                found.append(f"{node.lineno}: save(update_fields=[... 'status' ...])")
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and sub.attr == "status":
                    found.append(f"{node.lineno}: .status = ...")
                if isinstance(sub, ast.Subscript) and _is_str(sub.slice, "status"):
                    found.append(f'{node.lineno}: ["status"] = ...')
    return found


def _is_str(node: ast.AST, value: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == value


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def project_sources(*packages: str) -> list[Path]:
    return sorted(
        path
        for package in packages
        for path in (BASE_DIR / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def writer_sources() -> set[Path]:
    """The one writer: every module of the ``publishing/transitions/`` package, and nothing else."""
    package = BASE_DIR / "publishing" / "transitions"
    writers = set(package.rglob("*.py"))
    assert (package / "__init__.py") in writers and len(writers) > 1
    assert not (BASE_DIR / "publishing" / "transitions.py").exists()
    return writers


def test_nothing_outside_transitions_writes_a_publications_status():
    writers = writer_sources()
    sources = project_sources("publishing", "stats")
    assert writers <= set(sources) and len(sources) > 10  # the scan reads the real tree

    found = {
        str(path.relative_to(BASE_DIR)): writes
        for path in sources
        if path not in writers and (writes := status_writes(path.read_text()))
    }

    assert found == {}


def test_no_code_anywhere_builds_or_updates_a_publication_with_a_status():
    # Other packages own other statuses (clips, connections); a Publication's is written by
    # transitions alone, wherever the code lives.
    writers = writer_sources()
    found = []
    # (Benchmarks seed their rows in bulk, as test factories do, and are not scanned.)
    for path in project_sources("clipmaker", "platforms", "publishing", "stats"):
        if path in writers:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or "status" not in {k.arg for k in node.keywords}:
                continue
            chain = ast.unparse(node.func)
            if chain == "Publication" or (
                chain.startswith("Publication.objects.")
                and chain.rsplit(".", 1)[-1] in QUERYSET_WRITES
            ):
                found.append(f"{path.relative_to(BASE_DIR)}:{node.lineno}")

    assert found == []


@pytest.mark.parametrize(
    "code",
    [
        "Publication.objects.filter(pk=1).update(status='failed')",
        "qs.update(error_message='', status=PublicationStatus.FAILED)",
        "qs.update(**changes)",
        "Publication(clip=clip, status='queued').save()",
        "Publication.objects.create(clip=clip, status='queued')",
        "publication.status = PublicationStatus.CANCELLED",
        "pub.status, pub.attempts = 'queued', 0",
        "setattr(publication, 'status', 'published')",
        "publication.save(update_fields=['status'])",
        "Publication.objects.bulk_update(rows, ['status', 'attempts'])",
        "changes['status'] = 'queued'",
    ],
)
def test_the_scan_sees_every_way_of_writing_a_status(code):
    assert status_writes(code) != []


@pytest.mark.parametrize(
    "code",
    [
        "Publication.objects.filter(status='queued').update(enqueued_at=None)",
        "Response({'detail': 'x'}, status=409)",
        "if publication.status == 'failed': pass",
        "qs.exclude(status__in=FINAL).count()",
    ],
)
def test_the_scan_leaves_reads_alone(code):
    assert status_writes(code) == []


def test_the_scan_leaves_other_models_managers_alone():
    assert status_writes("StatsTrack.objects.filter(pk=1).update(**changes)") == []
    assert status_writes("Publication.objects.filter(pk=1).update(**changes)") != []
