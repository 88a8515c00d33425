"""Stats writes: the sync run, enrolment and history retention (one concern per module)."""

from stats.services.enrol import stats_enrol
from stats.services.retention import RetentionResult, stats_history_thin
from stats.services.sync import StatsSyncResult, stats_sync

__all__ = ["RetentionResult", "StatsSyncResult", "stats_enrol", "stats_history_thin", "stats_sync"]
