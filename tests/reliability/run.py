"""``make chaos``: the long chaos run. Every scenario, on one stack started from scratch, with
``CHAOS_PUBLICATIONS`` publications in all (1,000 by default) shared between the scenarios and
every kind of harm repeated (``CHAOS_REPEAT`` times, 3 by default).

Prints a line per scenario as it ends and, as the very last line, one JSON object::

    {"scenarios": [{"scenario", "publications", "published", "failed", "cancelled", "stuck",
                    "doubled", "max_recovery_seconds", "drafts_left", "in_flight_at_harm",
                    "failures", "violations"}, ...]}

Exits 1 when any invariant was broken. ``CHAOS_SCENARIOS=a,b`` runs only those;
``CHAOS_KEEP=1`` keeps the run's directory (logs) instead of removing it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from tests.reliability.scenarios import SCENARIOS, Chaos, run
from tests.reliability.stack import Stack


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # stop every process of the stack on the way out


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    total = int(os.environ.get("CHAOS_PUBLICATIONS", "1000"))
    repeat = int(os.environ.get("CHAOS_REPEAT", "3"))
    names = [n for n in os.environ.get("CHAOS_SCENARIOS", "").split(",") if n] or list(SCENARIOS)
    per = max(6, math.ceil(total / len(names)))
    root = Path(tempfile.mkdtemp(prefix="chaos-"))
    stack = Stack(root)
    results = []
    started = time.time()
    try:
        stack.start()
        chaos = Chaos.seed(stack, publications=per)
        for name in names:
            result = run(chaos, name, per, repeat)
            results.append(result)
            print(
                f"{name}: {result['publications']} publications, {result['published']} published, "
                f"{result['failed']} failed, {result['cancelled']} cancelled, "
                f"{result['stuck']} stuck, {result['doubled']} doubled, recovery "
                f"{result['max_recovery_seconds']} s; violations: {result['violations'] or 'none'}",
                flush=True,
            )
    finally:
        stack.close()
        print(f"chaos run: {time.time() - started:.0f} s, logs in {root}", flush=True)
        if not os.environ.get("CHAOS_KEEP"):
            shutil.rmtree(root, ignore_errors=True)
        print(json.dumps({"scenarios": results}, ensure_ascii=False), flush=True)
    return 1 if any(r["violations"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
