"""The chaos scenarios, each against a running ``Stack``, and the figures of one run.

A scenario publishes its publications (each title carries a unique marker), does its harm —
kills, restarts, faults, double clicks, a disconnect — while they are in flight, restores the
stack, waits until every publication is terminal (or gives up at a deadline) and checks the
invariants (``tests.reliability.invariants``). ``repeat`` is how many times the harm is done
(the long run repeats every kind of kill).

``max_recovery_seconds``: from the moment the stack was whole again (the last process
restarted, the last fault injected, the last request answered) until every publication of the
scenario was terminal.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.reliability import invariants
from tests.reliability.stack import Stack

# The calls that create, carry the file and publish, per platform (the sandbox's journal names).
STEPS = {
    # VK: a Клип (the default mode) and a video with its wall post.
    "vk": (
        "shortVideo.create",
        "upload",
        "shortVideo.edit",
        "shortVideo.publish",
        "video.save",
        "wall.post",
    ),
    "rutube": ("video.create",),
    "dzen": ("videos.create", "upload", "videos.publish"),
    "telegram": ("sendVideo",),
}
# The call during which the file is on its way (a slow answer there keeps a worker mid-upload).
UPLOAD_STEP = {"vk": "upload", "rutube": "video.create", "dzen": "upload", "telegram": "sendVideo"}


@dataclass
class Harm:
    ids: list[int]
    notes: list[str] = field(default_factory=list)
    # Each kill/restart/disconnect: when the stack was whole again, and the publications that
    # were uploading at that moment (None: a harm that meets publications one by one).
    hits: list[tuple[float, list[int]]] | None = None


@dataclass
class Chaos:
    """The stack, the seeded users and what a scenario needs to act on it."""

    stack: Stack
    users: list[dict[str, Any]]
    spare: list[dict[str, Any]]
    rates: dict[str, Any]
    tokens: list[str] = field(default_factory=list)
    _serial: int = 0
    _api_tokens: dict[int, str] = field(default_factory=dict)

    @classmethod
    def seed(cls, stack: Stack, *, publications: int, spare: int = 1) -> Chaos:
        clips = max(1, math.ceil(publications / 6 / 4))
        users = max(2, math.ceil(publications / 6 / clips))
        seeded = stack.driver("seed", str(users + spare), str(clips))["users"]
        return cls(
            stack=stack,
            users=seeded[:users],
            spare=seeded[users:],
            rates=stack.driver("rates"),
            tokens=stack.driver("tokens"),
        )

    # --- publishing -----------------------------------------------------------------------
    def pairs(self, n: int, users: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """n (user, clip, destination) targets, spread over users first, then places."""
        users = users or self.users
        out: list[dict[str, Any]] = []
        for clip_index in range(max(len(u["clips"]) for u in users)):
            for dest_index in range(6):
                for user in users:
                    if clip_index < len(user["clips"]) and dest_index < len(user["destinations"]):
                        out.append(
                            {
                                "user": user["id"],
                                "clip": user["clips"][clip_index],
                                "destination": user["destinations"][dest_index]["id"],
                            }
                        )
        if n > len(out):
            raise ValueError(f"{n} publications at once need more seeded places ({len(out)})")
        return out[:n]

    def marker(self, name: str) -> str:
        self._serial += 1
        return f"chaos-{name}-{self._serial:05d}"

    def publish(
        self, name: str, n: int, *, delay: float = 0, users: list[dict[str, Any]] | None = None
    ) -> list[int]:
        vk = {
            d["id"]
            for u in [*(users or []), *self.users, *self.spare]
            for d in u["destinations"]
            if d["platform"] == "vk"
        }
        items = []
        for pair in self.pairs(n, users):
            item = {**pair, "title": self.marker(name), "delay": delay}
            if pair["destination"] in vk:  # both VK modes: a Клип, and a video with a wall post
                item["vk_mode"] = "video" if self._serial % 2 else "clip"
            items.append(item)
        ids: list[int] = self.stack.driver("publish", stdin=items)
        return ids

    def api(self, user: dict[str, Any]) -> requests.Session:
        session = requests.Session()
        if user["id"] not in self._api_tokens:
            answer = session.post(
                f"{self.stack.base_url}/api/v1/auth/token/",
                json={"username": user["username"], "password": user["password"]},
                timeout=30,
            )
            answer.raise_for_status()
            self._api_tokens[user["id"]] = answer.json()["token"]
        session.headers["Authorization"] = f"Token {self._api_tokens[user['id']]}"
        return session

    # --- the sandbox ----------------------------------------------------------------------
    def inject(
        self, platform: str, fault: str, count: int = 1, method: str | None = None, **params: Any
    ) -> None:
        answer = requests.post(
            f"{self.stack.base_url}/sandbox/_control/faults/",
            json={"platform": platform, "fault": fault, "count": count, "method": method, **params},
            headers={"X-Sandbox-Token": self.stack.control_token},
            timeout=30,
        )
        assert answer.status_code in (200, 201), answer.text

    def clear_faults(self) -> None:
        requests.delete(
            f"{self.stack.base_url}/sandbox/_control/faults/",
            headers={"X-Sandbox-Token": self.stack.control_token},
            timeout=30,
        ).raise_for_status()

    def slow_uploads(self, count: int, delay: float = 3.0) -> None:
        """The next ``count`` uploads per platform (at most 8) take ``delay`` seconds more, so
        kills land mid-upload; later uploads run at full speed."""
        for platform, method in UPLOAD_STEP.items():
            self.inject(platform, "slow", count=min(count, 8), method=method, delay=delay)

    # --- waiting --------------------------------------------------------------------------
    def wait_until(
        self, ids: list[int], predicate: Callable[[list[invariants.Row]], bool], timeout: float
    ) -> list[invariants.Row]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                found = invariants.rows(self.stack, ids)
            except Exception:  # the database may be restarting
                found = []
            if found and predicate(found):
                return found
            if time.monotonic() > deadline:
                return found
            time.sleep(0.3)

    def wait_uploading(self, ids: list[int], timeout: float = 30) -> list[int]:
        """Wait until some of them are uploading; those that are (slow uploads keep them at it
        for seconds: the harm that follows lands inside their upload)."""
        found = self.wait_until(
            ids, lambda rows: any(r.status == "publishing" for r in rows), timeout
        )
        time.sleep(0.2)
        return [r.id for r in found if r.status == "publishing"]


# --- scenarios ------------------------------------------------------------------------------
def worker_sigkill(chaos: Chaos, n: int, repeat: int) -> Harm:
    """SIGKILL the upload worker's main process mid-upload (its pool children die with it)."""
    chaos.slow_uploads(count=n)
    ids = chaos.publish("worker_kill", n)
    hits = []
    for _ in range(repeat):
        uploading = chaos.wait_uploading(ids)
        worker = chaos.stack.procs["worker"]
        worker.kill_main()
        time.sleep(1)
        worker.start()
        hits.append((time.time(), uploading))
    return Harm(ids, hits=hits)


def child_sigkill(chaos: Chaos, n: int, repeat: int) -> Harm:
    """SIGKILL one pool child mid-upload; the main process replaces it."""
    chaos.slow_uploads(count=n)
    ids = chaos.publish("child_kill", n)
    hits = []
    for _ in range(repeat):
        uploading = chaos.wait_uploading(ids)
        chaos.stack.procs["worker"].kill_child()
        hits.append((time.time(), uploading))
        time.sleep(2)
    return Harm(ids, hits=hits)


def accept_then_drop(chaos: Chaos, n: int, repeat: int) -> Harm:
    """Every create/upload/publish step of every platform done, then the answer lost."""
    for platform, steps in STEPS.items():
        for step in steps:
            chaos.inject(platform, "accept_then_drop", count=repeat, method=step)
    return Harm(chaos.publish("drop", n))


def storms(chaos: Chaos, n: int, repeat: int) -> Harm:
    """5xx, 429 and slow answers on every call of every platform, mixed."""
    count = max(2, n // 6) * repeat
    for platform in STEPS:
        chaos.inject(platform, "server_error", count=count, status=502)
        chaos.inject(platform, "rate_limit", count=count, retry_after=1)
        chaos.inject(platform, "slow", count=count, delay=1.5)
        chaos.inject(platform, "server_error", count=count, status=503)
    return Harm(chaos.publish("storm", n))


def redis_restart(chaos: Chaos, n: int, repeat: int) -> Harm:
    """Redis killed and restarted empty while rows are queued and uploading."""
    chaos.slow_uploads(count=n)
    ids = chaos.publish("redis", n)
    hits = []
    for _ in range(repeat):
        uploading = chaos.wait_uploading(ids)
        chaos.stack.redis.kill()
        time.sleep(1.5)
        chaos.stack.redis.start()
        hits.append((time.time(), uploading))
    return Harm(ids, hits=hits)


def postgres_restart(chaos: Chaos, n: int, repeat: int) -> Harm:
    """PostgreSQL stopped hard (every connection cut) mid-task, then started again."""
    chaos.slow_uploads(count=n)
    ids = chaos.publish("postgres", n)
    hits = []
    for _ in range(repeat):
        uploading = chaos.wait_uploading(ids)
        chaos.stack.pg.restart_crash(1.5)
        hits.append((time.time(), uploading))
    return Harm(ids, hits=hits)


def two_beats(chaos: Chaos, n: int, repeat: int) -> Harm:
    """A second beat running by mistake: every tick twice; scheduled rows due at once."""
    chaos.stack.add_beat()
    try:
        ids = chaos.publish("beats", n, delay=3)
        chaos.wait_until(ids, invariants.settled, 60 + n)
    finally:
        chaos.stack.procs.pop("beat2").stop()
    return Harm(ids)


def double_click(chaos: Chaos, n: int, repeat: int) -> Harm:
    """Two identical publish requests at once through the API for every clip and place."""
    ids: list[int] = []
    lock = threading.Lock()
    statuses: list[int] = []
    sessions = {u["id"]: chaos.api(u) for u in chaos.users}
    # The API allows a user 20 publish requests a minute: two per pair, at most 9 pairs a user.
    per_user: dict[int, int] = {}
    pairs = []
    for pair in chaos.pairs(min(n, 9 * len(chaos.users))):
        if per_user.get(pair["user"], 0) < 9:
            per_user[pair["user"]] = per_user.get(pair["user"], 0) + 1
            pairs.append(pair)

    def click(pair: dict[str, Any], title: str) -> None:
        answer = sessions[pair["user"]].post(
            f"{chaos.stack.base_url}/api/v1/clips/{pair['clip']}/publish/",
            json={"destinations": [pair["destination"]], "title": title},
            timeout=60,
        )
        with lock:
            statuses.append(answer.status_code)
            if answer.status_code == 201:
                ids.extend(p["id"] for p in answer.json())

    threads = []
    for pair in pairs:
        title = chaos.marker("click")
        threads += [threading.Thread(target=click, args=(pair, title)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    notes = []
    if statuses.count(201) != len(pairs):
        notes.append(f"double click: {statuses.count(201)} created for {len(pairs)} pairs")
    unexpected = [s for s in statuses if s not in (201, 409)]
    if unexpected:
        notes.append(f"double click: unexpected answers {sorted(set(unexpected))}")
    return Harm(ids, notes)


def disconnect_during_upload(chaos: Chaos, n: int, repeat: int) -> Harm:
    """The user disconnects every platform while its publications are uploading."""
    user = chaos.spare.pop(0)
    chaos.slow_uploads(count=n)
    ids = chaos.publish("disconnect", min(n, 6 * len(user["clips"])), users=[user])
    uploading = chaos.wait_uploading(ids)
    session = chaos.api(user)
    notes = []
    for connection in sorted({d["connection"] for d in user["destinations"]}):
        answer = session.delete(
            f"{chaos.stack.base_url}/api/v1/connections/{connection}/", timeout=60
        )
        if answer.status_code not in (200, 204):
            notes.append(f"disconnect answered {answer.status_code}")
    return Harm(ids, notes, hits=[(time.time(), uploading)])


SCENARIOS: dict[str, Callable[[Chaos, int, int], Harm]] = {
    "worker_sigkill": worker_sigkill,
    "pool_child_sigkill": child_sigkill,
    "accept_then_drop": accept_then_drop,
    "storms_5xx_429_slow": storms,
    "redis_restart_empty": redis_restart,
    "postgres_restart": postgres_restart,
    "two_beats": two_beats,
    "double_click": double_click,
    "disconnect_during_upload": disconnect_during_upload,
}


def recovery_seconds(harm: Harm, found: list[invariants.Row], settled_at: float) -> float:
    """The longest a publication hit by the harm took to end.

    A kill, restart or disconnect: from the moment the stack was whole again to the end of
    the publications that were uploading then. Faults met one by one (drops, storms), two
    beats, double clicks: from creation to the end of the slowest publication that met them
    (needed more than one attempt; all of them for beats and clicks).
    """
    ended = {r.id: (r.finished_at.timestamp() if r.finished_at else settled_at) for r in found}
    if harm.hits:
        spans = [ended.get(i, settled_at) - at for at, ids in harm.hits for i in ids]
    else:
        every = not any(r.attempts > 1 for r in found)
        spans = [ended[r.id] - r.created_at.timestamp() for r in found if every or r.attempts > 1]
    return round(max([0.0, *spans]), 1)


def run(chaos: Chaos, name: str, n: int, repeat: int = 1) -> dict[str, Any]:
    """One scenario, then its invariants; the figures plus a list of violations."""
    since = time.time()
    harm = SCENARIOS[name](chaos, n, repeat)
    found = chaos.wait_until(harm.ids, invariants.settled, 120 + 2 * n)
    settled_at = time.time()
    chaos.clear_faults()
    chaos.tokens = sorted(set(chaos.tokens) | set(chaos.stack.driver("tokens")))
    post_counts, drafts = invariants.sandbox_counts(chaos.stack)
    mine = {m.group(0) for r in found if (m := invariants.MARKER.search(r.title))}
    violations = list(harm.notes)
    violations += invariants.check_rows(found, post_counts, now=invariants.now_utc())
    if len(found) != len(harm.ids):
        violations.append(f"missing rows: {len(harm.ids) - len(found)}")
    violations += invariants.check_rate_limits(chaos.stack, chaos.rates, since)
    violations += invariants.check_tokens(chaos.stack, chaos.tokens)
    count = {s: sum(1 for r in found if r.status == s) for s in invariants.TERMINAL}
    return {
        "scenario": name,
        "publications": len(harm.ids),
        "published": count["published"],
        "failed": count["failed"],
        "cancelled": count["cancelled"],
        "stuck": sum(1 for v in violations if v.startswith("stuck")),
        "doubled": sum(1 for v in violations if v.startswith("doubled")),
        "max_recovery_seconds": recovery_seconds(harm, found, settled_at),
        "drafts_left": sum(n for marker, n in drafts.items() if marker in mine),
        "in_flight_at_harm": [len(ids) for _, ids in harm.hits] if harm.hits else None,
        "failures": dict(
            sorted(
                Counter(
                    f"{r.platform}:{r.error_code}" for r in found if r.status == "failed"
                ).items()
            )
        ),
        "violations": violations,
    }
