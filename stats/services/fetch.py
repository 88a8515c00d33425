"""Polite concurrent platform reads for the stats sync.

Each platform account (connection) is a *lane* of batches. A small thread pool runs the calls;
a lane has at most one call in flight, and every call first takes a token from the global
per-platform / per-account bucket (``publishing.ratelimit.acquire``) that publishing uses too.
A lane whose bucket is empty waits without holding a thread, so one slow account (Rutube: one
call per video, about one call a second) never holds up the others. Worker threads only speak
HTTP; the database is touched by the calling thread alone.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from platforms.providers import PlatformHandle, PlatformProvider, Stats, get_provider
from publishing import ratelimit

# How long ``step`` waits for a call to finish before looking at the lanes again.
POLL_SECONDS = 0.25
# Calls handed to the pool per thread (started or queued), at most one per account.
QUEUED_PER_THREAD = 16

Acquire = Callable[..., float]


def _shared_bucket(*, platform: str, account: str) -> float:
    return ratelimit.acquire(platform=platform, account=account)


@dataclass
class Outcome:
    """What one call said: the figures of the videos found, or the error it raised."""

    key: Hashable
    batch: Any
    figures: dict[str, Stats] | None = None
    error: BaseException | None = None
    seconds: float = 0.0
    started: bool = True  # False: no call was made (empty bucket, or the run's time is up)
    wait: float = 0.0  # when not started: try again after this


@dataclass
class _Lane:
    platform: str
    account: str
    credentials: Any
    batches: deque[Any]
    handles: Callable[[Any], Sequence[PlatformHandle]]
    busy: bool = False  # a call in flight, or an outcome the caller has not settled yet
    not_before: float = 0.0


@dataclass
class _Providers:
    """One adapter (and HTTP session, kept alive across calls) per platform per thread."""

    local: threading.local = field(default_factory=threading.local)
    made: list[PlatformProvider] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, platform: str) -> PlatformProvider:
        cache: dict[str, PlatformProvider] | None = getattr(self.local, "providers", None)
        if cache is None:
            cache = self.local.providers = {}
        provider = cache.get(platform)
        if provider is None:
            provider = cache[platform] = get_provider(platform)
            with self.lock:
                self.made.append(provider)
        return provider

    def close(self) -> None:
        with self.lock:
            made, self.made = self.made, []
        for provider in made:
            provider.http.session.close()


class PoliteFetcher:
    """Runs ``fetch_stats`` batches lane by lane; the caller settles every outcome.

    After an outcome its lane stays idle until the caller says what next: ``proceed`` (the
    next batch), ``retry`` (the same batch again, maybe later or with new credentials) or
    ``drop`` (no more calls for that account in this run).
    """

    def __init__(
        self,
        *,
        threads: int,
        acquire: Acquire | None = None,
        clock: Callable[[], float] = time.monotonic,
        deadline: float | None = None,
    ) -> None:
        """``deadline`` (on ``clock``): a call handed to the pool is not made after it."""
        self._threads = max(1, threads)
        self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="stats")
        self._acquire = acquire or _shared_bucket
        self._clock = clock
        self._deadline = deadline
        self._providers = _Providers()
        self._lanes: dict[Hashable, _Lane] = {}
        self._ready: deque[Hashable] = deque()
        self._waiting: list[tuple[float, int, Hashable]] = []
        self._seq = itertools.count()
        self._inflight: dict[Future[Outcome], Hashable] = {}
        self.calls = 0

    # --- lanes -----------------------------------------------------------------------------

    def add(
        self,
        key: Hashable,
        *,
        platform: str,
        account: str,
        credentials: Any,
        batches: Sequence[Any],
        handles: Callable[[Any], Sequence[PlatformHandle]],
    ) -> None:
        self._lanes[key] = _Lane(
            platform=platform,
            account=account,
            credentials=credentials,
            batches=deque(batches),
            handles=handles,
        )
        self._ready.append(key)

    def proceed(self, key: Hashable) -> None:
        lane = self._lanes.get(key)
        if lane is None:
            return
        lane.busy = False
        if lane.batches:
            self._schedule(key, lane)
        else:
            del self._lanes[key]

    def retry(
        self, key: Hashable, batch: Any, *, after: float = 0.0, credentials: Any = None
    ) -> None:
        lane = self._lanes[key]
        lane.busy = False
        lane.batches.appendleft(batch)
        if credentials is not None:
            lane.credentials = credentials
        lane.not_before = self._clock() + after
        self._schedule(key, lane)

    def drop(self, key: Hashable) -> list[Any]:
        """Forget a lane; returns the batches it had not sent."""
        lane = self._lanes.pop(key, None)
        return list(lane.batches) if lane else []

    def pending(self) -> list[tuple[Hashable, list[Any]]]:
        """Batches not sent yet, per lane (what a run leaves for the next one)."""
        return [(key, list(lane.batches)) for key, lane in self._lanes.items() if lane.batches]

    @property
    def lanes(self) -> int:
        return len(self._lanes)

    @property
    def startable(self) -> int:
        """Lanes that could start a call now, plus calls in flight (parked lanes not counted)."""
        return len(self._ready) + len(self._inflight)

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    def idle(self) -> bool:
        return not self._inflight and not self._ready and not self._waiting

    def _schedule(self, key: Hashable, lane: _Lane) -> None:
        if lane.not_before > self._clock():
            heapq.heappush(self._waiting, (lane.not_before, next(self._seq), key))
        else:
            self._ready.append(key)

    # --- running ---------------------------------------------------------------------------

    def step(self, *, accept_new: bool = True) -> list[Outcome]:
        """Start what may start (``accept_new``), then wait a little for calls to finish."""
        now = self._clock()
        while self._waiting and self._waiting[0][0] <= now:
            _, _, key = heapq.heappop(self._waiting)
            if key in self._lanes:
                self._ready.append(key)
        if accept_new:
            self._start(now)
        if self._inflight:
            timeout = POLL_SECONDS
            if self._waiting and accept_new:
                timeout = min(timeout, max(0.0, self._waiting[0][0] - now))
            done, _ = wait(list(self._inflight), timeout=timeout, return_when=FIRST_COMPLETED)
            finished = [self._finish(future) for future in done]
            return [outcome for outcome in finished if outcome is not None]
        if self._waiting and accept_new:
            time.sleep(min(POLL_SECONDS, max(0.0, self._waiting[0][0] - now)))
        return []

    def _start(self, now: float) -> None:
        # Several calls per thread are handed to the pool: while the calling thread is busy
        # with the database, the threads still have work queued.
        while self._ready and len(self._inflight) < self._threads * QUEUED_PER_THREAD:
            key = self._ready.popleft()
            lane = self._lanes.get(key)
            if lane is None or lane.busy or not lane.batches:
                continue
            batch = lane.batches.popleft()
            lane.busy = True
            future = self._pool.submit(self._call, key, lane, batch, lane.handles(batch))
            self._inflight[future] = key

    def _call(
        self, key: Hashable, lane: _Lane, batch: Any, handles: Sequence[PlatformHandle]
    ) -> Outcome:
        if self._deadline is not None and self._clock() >= self._deadline:
            return Outcome(key, batch, started=False)
        # The token is taken here, on the worker thread, so the round trips to the shared
        # bucket overlap like the calls themselves.
        wait_for = self._acquire(platform=lane.platform, account=lane.account)
        if wait_for > 0:
            return Outcome(key, batch, started=False, wait=wait_for)
        platform, credentials = lane.platform, lane.credentials
        started = time.monotonic()
        try:
            figures = self._providers.get(platform).fetch_stats(
                credentials=credentials, handles=handles
            )
        except Exception as exc:  # settled by the caller: every failure is an outcome
            return Outcome(key, batch, error=exc, seconds=time.monotonic() - started)
        return Outcome(key, batch, figures=figures, seconds=time.monotonic() - started)

    def _finish(self, future: Future[Outcome]) -> Outcome | None:
        """The outcome for the caller, or None when no call was made (the lane is parked with
        its batch back in front)."""
        self._inflight.pop(future)
        outcome = future.result()
        if outcome.started:
            self.calls += 1
            return outcome
        lane = self._lanes.get(outcome.key)
        if lane is not None:
            lane.busy = False
            lane.batches.appendleft(outcome.batch)
            lane.not_before = self._clock() + outcome.wait
            self._schedule(outcome.key, lane)
        return None

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._providers.close()
