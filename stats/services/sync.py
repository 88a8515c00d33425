"""``stats_sync``: one run, bounded in time, that brings due publications' figures up to date.

A run takes the run lock (a second run at the same time returns at once), enrols newly
published publications, then asks the platforms about due rows account by account, the most
overdue first, through ``PoliteFetcher`` (global rate limiter, one call in flight per
account). An expired token is refreshed once with the same locked refresh as publishing;
a refusal marks the connection expired and its rows drop out of the sync until the user
reconnects. When the time is up the run stops taking work and says whether due rows are left
(``more``), so the task can start the next run at once instead of waiting for beat.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from clipmaker.logging import log_event
from platforms.models import PlatformConnection
from platforms.providers import (
    AuthExpired,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
    provider_class,
)
from platforms.services import ConnectionRefreshFailed, connection_mark_expired, connection_refresh
from stats.services.due import DueAccount, due_accounts, due_rows, rows_per_run
from stats.services.enrol import ENROL_LIMIT, stats_enrol
from stats.services.fetch import Outcome, PoliteFetcher
from stats.services.lock import sync_lock
from stats.services.schedule import platforms_with_stats
from stats.services.writes import FLUSH_ROWS, DueRow, StatsWriter

logger = logging.getLogger(__name__)

# The lock outlives a run by this much: the calls in flight at the deadline may still take a
# platform's read timeout to finish.
LOCK_MARGIN_SECONDS = 120.0
# Never wait less than this on a platform's rate limit ("Retry-After: 0" is not a loop).
MIN_RATE_LIMIT_WAIT = 1.0
# A batch that met a transient error is asked once more after this, within the run.
TRANSIENT_RETRY_SECONDS = 1.0
# Due rows are read about this many at a time, for at most this many accounts.
LOAD_ROWS = 10_000
LOAD_ACCOUNTS = 500
# The next accounts are read while this many calls per thread are still queued or in flight,
# so the threads never wait for the database.
LOAD_AHEAD = 32


@dataclass(frozen=True)
class StatsSyncResult:
    publications: int = 0  # rows asked about (answered, failed or deferred)
    changed: int = 0  # a figure changed: publication row and snapshot written
    unchanged: int = 0  # same figures: only the next due time written
    missing: int = 0  # left out of an answer for the first time
    gone: int = 0  # left out twice: deleted or hidden on the platform
    failed: int = 0
    deferred: int = 0  # the platform asked us to wait
    http_calls: int = 0
    accounts: int = 0
    expired_connections: int = 0
    enrolled: int = 0
    seconds: float = 0.0
    more: bool = False  # due rows were left when the run stopped: run again now
    skipped: bool = False  # another run held the lock


def stats_sync(
    *,
    now: datetime | None = None,
    run_seconds: float | None = None,
    platforms: Sequence[str] | None = None,
    threads: int | None = None,
) -> StatsSyncResult:
    """One sync run (see the module docstring). ``platforms`` narrows it (benchmarks)."""
    budget = settings.STATS_SYNC_RUN_SECONDS if run_seconds is None else run_seconds
    with sync_lock(ttl_seconds=budget + LOCK_MARGIN_SECONDS) as held:
        if not held:
            log_event("stats_sync_skipped", reason="another run is in progress")
            return StatsSyncResult(skipped=True)
        result = _Run(
            now=now or timezone.now(),
            run_seconds=budget,
            platforms=platforms,
            threads=settings.STATS_SYNC_THREADS if threads is None else threads,
        ).execute()
    log_event("stats_sync_complete", **asdict(result))
    return result


class _Run:
    def __init__(
        self,
        *,
        now: datetime,
        run_seconds: float,
        platforms: Sequence[str] | None,
        threads: int,
    ) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + run_seconds
        self.now = now
        self.run_seconds = run_seconds
        supported = platforms_with_stats()
        self.platforms = [p for p in (platforms or supported) if p in supported]
        self.threads = max(1, threads)
        self.writer = StatsWriter(now=now)
        self.fetcher = PoliteFetcher(threads=self.threads, deadline=self.deadline)
        self.connections: dict[Any, PlatformConnection] = {}
        self.refreshed: set[Any] = set()
        self.logged: set[Any] = set()
        # Batches (account, first publication) already asked again after a transient error.
        self.retried: set[tuple[Any, int]] = set()
        self.accounts = 0
        self.expired = 0
        self.capped = False

    def _accepting(self) -> bool:
        return time.monotonic() < self.deadline

    def execute(self) -> StatsSyncResult:
        enrolled = stats_enrol(now=self.now)
        waiting = deque(due_accounts(now=self.now, platforms=self.platforms))
        try:
            while True:
                accepting = self._accepting()
                # Accounts parked on their rate limit hold no thread: load more while the
                # threads would otherwise idle (Rutube runs hundreds of accounts side by side).
                if accepting and waiting and self.fetcher.startable < self.threads * LOAD_AHEAD:
                    self._load(waiting)
                    continue
                if self.fetcher.idle() or (not accepting and not self.fetcher.in_flight):
                    break
                for outcome in self.fetcher.step(accept_new=accepting):
                    self._settle(outcome)
                if self.writer.pending >= FLUSH_ROWS:
                    self.writer.flush()
        finally:
            self.fetcher.close()
            self.writer.flush()
        left = bool(waiting) or bool(self.fetcher.pending()) or self.capped
        counts = self.writer.counts
        return StatsSyncResult(
            publications=counts.changed
            + counts.unchanged
            + counts.missing
            + counts.gone
            + counts.failed
            + counts.deferred,
            changed=counts.changed,
            unchanged=counts.unchanged,
            missing=counts.missing,
            gone=counts.gone,
            failed=counts.failed,
            deferred=counts.deferred,
            http_calls=self.fetcher.calls,
            accounts=self.accounts,
            expired_connections=self.expired,
            enrolled=enrolled,
            seconds=round(time.monotonic() - self.started, 3),
            more=left or enrolled >= ENROL_LIMIT,
        )

    # --- loading ---------------------------------------------------------------------------

    def _load(self, waiting: deque[DueAccount]) -> None:
        # A group of accounts per query, about LOAD_ROWS rows: few queries, a bounded memory.
        group: list[DueAccount] = []
        rows_in_group = 0
        while waiting and (not group or rows_in_group < LOAD_ROWS) and len(group) < LOAD_ACCOUNTS:
            account = waiting.popleft()
            group.append(account)
            rows_in_group += min(
                account.rows, rows_per_run(account.platform, run_seconds=self.run_seconds)
            )
        rows = due_rows(now=self.now, accounts=group, run_seconds=self.run_seconds)
        connections = PlatformConnection.objects.in_bulk([a.connection_id for a in group])
        for account in group:
            conn = connections.get(account.connection_id)
            mine = rows.get(account.connection_id, [])
            if conn is None or not conn.is_active or not mine:
                continue
            if account.rows > len(mine):
                self.capped = True  # more of this account's rows are due: run again
            try:
                credentials = conn.credentials()
            except Exception:  # an undecryptable token: support must look, the sync goes on
                logger.exception("stats: cannot read the credentials of connection %s", conn.pk)
                self.writer.failed(mine, code="credentials")
                continue
            self.connections[conn.pk] = conn
            self.accounts += 1
            size = provider_class(account.platform).stats_batch_size
            self.fetcher.add(
                conn.pk,
                platform=account.platform,
                account=str(conn.pk),
                credentials=credentials,
                batches=[mine[i : i + size] for i in range(0, len(mine), size)],
                handles=lambda batch: [row.handle for row in batch],
            )

    # --- outcomes --------------------------------------------------------------------------

    def _settle(self, outcome: Outcome) -> None:
        rows: list[DueRow] = outcome.batch
        err = outcome.error
        if err is None:
            self.writer.answered(rows, outcome.figures or {})
            self.fetcher.proceed(outcome.key)
        elif isinstance(err, AuthExpired):
            self._auth_expired(outcome, err)
        elif isinstance(err, RateLimited):
            wait = max(err.retry_after or 0.0, MIN_RATE_LIMIT_WAIT)
            if time.monotonic() + wait < self.deadline:
                self.fetcher.retry(outcome.key, rows, after=wait)
            else:
                self.writer.deferred(self._rest(outcome, rows), seconds=wait)
            self._log_failure(outcome, err)
        elif isinstance(err, PermanentError):
            # About these videos only (a bad id, a private video): the account goes on.
            self.writer.failed(rows, code=_code(err))
            self.fetcher.proceed(outcome.key)
            self._log_failure(outcome, err)
        elif isinstance(err, TransientError) and (outcome.key, rows[0].publication_id) not in (
            self.retried
        ):
            # Reads are safe to repeat: one more try soon (a dropped keep-alive connection, a
            # single 502) before the account is backed off.
            self.retried.add((outcome.key, rows[0].publication_id))
            self.fetcher.retry(outcome.key, rows, after=TRANSIENT_RETRY_SECONDS)
        else:
            # The platform is failing for this account (5xx, timeout): back off all of it.
            if not isinstance(err, ProviderError):
                logger.error("stats: unexpected error", exc_info=err)
            self.writer.failed(self._rest(outcome, rows), code=_code(err))
            self._log_failure(outcome, err)

    def _rest(self, outcome: Outcome, rows: list[DueRow]) -> list[DueRow]:
        """The batch in hand plus every batch the account had not sent; the lane is dropped."""
        return rows + [row for batch in self.fetcher.drop(outcome.key) for row in batch]

    def _auth_expired(self, outcome: Outcome, err: AuthExpired) -> None:
        key = outcome.key
        connection = self.connections[key]
        if key in self.refreshed:
            # Refused again right after a refresh: the user must reconnect.
            connection_mark_expired(connection=connection, reason=err.user_message)
            self._expired(key, err)
            return
        self.refreshed.add(key)
        try:
            fresh = connection_refresh(connection=connection)
            credentials = fresh.credentials()
        except ConnectionRefreshFailed as refused:
            self._expired(key, refused)
            return
        except ProviderError as exc:  # the refresh lock was busy, or the platform failed
            self.writer.failed(self._rest(outcome, outcome.batch), code=_code(exc))
            self._log_failure(outcome, exc)
            return
        self.connections[key] = fresh
        self.fetcher.retry(key, outcome.batch, credentials=credentials)

    def _expired(self, key: Any, err: ProviderError) -> None:
        # Its rows stay as they are: the sync skips them until the user reconnects, and the
        # pages say «Статистика недоступна: переподключите платформу».
        self.fetcher.drop(key)
        self.expired += 1
        connection = self.connections[key]
        log_event(
            "stats_connection_expired",
            level=logging.WARNING,
            connection_id=str(connection.pk),
            platform=connection.platform,
            user_id=connection.user_id,
            error=type(err).__name__,
            code=str(err.code or ""),
        )

    def _log_failure(self, outcome: Outcome, err: BaseException) -> None:
        if outcome.key in self.logged:
            return
        self.logged.add(outcome.key)
        connection = self.connections[outcome.key]
        log_event(
            "stats_sync_failed",
            level=logging.WARNING,
            connection_id=str(connection.pk),
            platform=connection.platform,
            error=type(err).__name__,
            code=str(getattr(err, "code", "") or ""),
            status=getattr(err, "status", None),
        )


def _code(err: BaseException) -> str:
    code = getattr(err, "code", None) or getattr(err, "status", None)
    return f"{type(err).__name__}:{code}" if code else type(err).__name__
