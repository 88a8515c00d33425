from celery import shared_task

from stats.services import stats_sync


@shared_task(name="stats.tasks.sync_stats", ignore_result=True)
def sync_stats() -> None:
    stats_sync()
