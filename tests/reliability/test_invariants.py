"""The chaos suite's checks catch what they are meant to catch (no processes needed)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from tests.reliability.invariants import START_LINE, Row, _decoded, _window_excess, check_rows
from tests.reliability.stack import LEASE, MAX_ATTEMPTS, REAP

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def row(n: int, status: str, *, attempts: int = 1, next_at: datetime | None = None) -> Row:
    return Row(n, "vk", status, attempts, f"chaos-t-{n:05d}", next_at, None, "", 1, NOW)


def test_a_row_waiting_within_lease_and_reaper_is_fine_later_or_past_is_stuck():
    soon = NOW + timedelta(seconds=LEASE + REAP - 1)
    found = [
        row(1, "published"),
        row(2, "queued", next_at=soon),
        row(3, "queued", next_at=NOW - timedelta(seconds=1)),
        row(4, "queued", next_at=NOW + timedelta(seconds=LEASE + REAP + 60)),
        row(5, "publishing"),
        row(6, "failed"),
    ]
    posts = {"chaos-t-00001": 1}

    problems = check_rows(found, posts, now=NOW)

    assert sorted(p.split(":")[0] + str(p.split("#")[1][:1]) for p in problems) == [
        "stuck3",
        "stuck4",
        "stuck5",
    ]


def test_doubled_lost_and_too_many_attempts_are_reported():
    found = [
        row(1, "published"),
        row(2, "published"),
        row(3, "failed", attempts=MAX_ATTEMPTS + 1),
    ]

    problems = check_rows(found, {"chaos-t-00001": 2}, now=NOW)

    assert problems == [
        "doubled: #1 vk has 2 posts",
        "lost: #2 vk published without a post",
        f"attempts: #3 {MAX_ATTEMPTS + 1} > {MAX_ATTEMPTS}",
    ]


def test_a_burst_over_the_bucket_is_caught_a_steady_rate_is_not():
    assert _window_excess([0.0, 1.0, 2.0, 3.0, 4.0], rate=1.0, burst=1.0) is None
    assert _window_excess([0.0, 0.1, 0.2, 0.3], rate=1.0, burst=1.0) is not None


def test_a_token_inside_a_base64_message_body_is_seen():
    body = base64.b64encode(json.dumps([["sbx-vk-secret.sig"], {}]).encode()).decode()
    monitor = f'1700000000.1 [0 127.0.0.1:5] "LPUSH" "vk" "{{\\"body\\": \\"{body}\\"}}"'

    assert "sbx-vk-secret.sig" in _decoded(monitor)


def test_attempt_starts_are_read_from_the_worker_log():
    line = (
        "2026-12-03T13:33:50.555346Z [info     ] publish_job_start              "
        "[clipmaker.events] attempt=1 clip_id=1 destination_id=4 max_attempts=4 platform=dzen "
        "publication_id=1 resume=False task=publishing.tasks.publish_dzen task_id=x user_id=7"
    )

    found = START_LINE.search(line)

    assert found is not None
    assert (found["at"], found["place"], found["platform"], found["user"]) == (
        "2026-12-03T13:33:50.555346",
        "4",
        "dzen",
        "7",
    )
