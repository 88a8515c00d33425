"""The publishing engine's and the stats sync's timings, read from the environment.

A part of ``clipmaker.settings``, which star-imports it after reading ``.env``; documented in
README (Configuration) and docs/operations.md.
"""

import environ as _environ

_env = _environ.Env()

# --- publishing engine ---------------------------------------------------------------------
# Delays before retries 1, 2, 3 (seconds); the first attempt plus len() retries in all.
PUBLISH_RETRY_DELAYS = [int(x) for x in _env.list("PUBLISH_RETRY_DELAYS", default=[300, 900, 3600])]
# Longer than CELERY_TASK_TIME_LIMIT, so that only a dead worker's claim ever expires.
PUBLISH_LEASE_SECONDS = _env.int("PUBLISH_LEASE_SECONDS", default=25 * 60)
DISPATCH_INTERVAL_SECONDS = _env.float("DISPATCH_INTERVAL_SECONDS", default=2.0)
# How often beat runs the reaper (rows whose worker died wait at most lease + this long).
PUBLISH_REAP_INTERVAL_SECONDS = _env.float("PUBLISH_REAP_INTERVAL_SECONDS", default=30.0)
# A queued row whose task was sent this long ago and never claimed is sent again (lost message).
PUBLISH_REDELIVER_SECONDS = _env.float("PUBLISH_REDELIVER_SECONDS", default=300.0)
# How often a platform that is still processing an accepted upload is asked again, and for how
# long before the publication fails.
PUBLISH_CHECK_INTERVAL_SECONDS = _env.float("PUBLISH_CHECK_INTERVAL_SECONDS", default=10.0)
PUBLISH_PROCESSING_TIMEOUT_SECONDS = _env.int(
    "PUBLISH_PROCESSING_TIMEOUT_SECONDS", default=6 * 3600
)
# A publication a platform keeps rate-limiting (429) fails after this long instead of waiting on.
PUBLISH_RATE_LIMITED_GIVE_UP_SECONDS = _env.int(
    "PUBLISH_RATE_LIMITED_GIVE_UP_SECONDS", default=6 * 3600
)
# Lift the global platform rate limits (sandbox benchmarks only).
PLATFORM_RATE_LIMITS_ENABLED = _env.bool("PLATFORM_RATE_LIMITS_ENABLED", default=True)

# --- stats sync (stats/) --------------------------------------------------------------------
# Beat starts a sync run this often; a run that could not finish is followed at once.
STATS_SYNC_INTERVAL_SECONDS = _env.int("STATS_SYNC_INTERVAL_SECONDS", default=60)
# A run stops taking new work after this long (the rest is left for the next run).
STATS_SYNC_RUN_SECONDS = _env.float("STATS_SYNC_RUN_SECONDS", default=25.0)
# Platform calls in flight at once in a run (at most one per platform account).
STATS_SYNC_THREADS = _env.int("STATS_SYNC_THREADS", default=8)
# Cadence: every STATS_FRESH_INTERVAL_SECONDS for the first STATS_FRESH_WINDOW_SECONDS after
# publishing, then every STATS_INTERVAL_SECONDS. With the sandbox (make run) a new clip's
# figures move every couple of minutes, so a first visit sees them grow.
STATS_FRESH_WINDOW_SECONDS = _env.int("STATS_FRESH_WINDOW_SECONDS", default=48 * 3600)
STATS_INTERVAL_SECONDS = _env.int("STATS_INTERVAL_SECONDS", default=6 * 3600)
# A connection that failed (5xx, timeout) is asked again after this, doubling per failure.
STATS_RETRY_SECONDS = _env.int("STATS_RETRY_SECONDS", default=900)
# A video left out of an answer is asked once more after this before it counts as gone.
STATS_GONE_CONFIRM_SECONDS = _env.int("STATS_GONE_CONFIRM_SECONDS", default=600)
