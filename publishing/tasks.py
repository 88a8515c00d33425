"""Celery tasks of the publishing engine: ids in, one service call, nothing else.

Each registered platform gets its own publish task (``publishing.tasks.publish_<platform>``,
built from the provider registry) so that the per-platform ``rate_limit`` its adapter declares
applies to that platform only; they all run the same service. The periodic tasks
(``clipmaker/schedules.py``) dispatch due rows, reap dead workers' claims and replace lost
processing checks; they and the checks run on the ``control`` queue.
"""

from __future__ import annotations

from celery import Task, shared_task

from platforms.providers import platform_values
from publishing import attempt, processing, sweeps
from publishing.queue import CHECK_TASK_NAME, publish_task_name
from publishing.ratelimit import celery_rate_limit


def _publish_task(platform: str) -> Task:
    def publish(publication_id: int) -> None:
        attempt.publication_execute(publication_id=publication_id)

    publish.__name__ = publish.__qualname__ = f"publish_{platform}"
    publish.__doc__ = f"One publish attempt of a {platform} publication."
    return shared_task(name=publish_task_name(platform), rate_limit=celery_rate_limit(platform))(
        publish
    )


PUBLISH_TASKS = {platform: _publish_task(platform) for platform in platform_values()}


@shared_task(name=CHECK_TASK_NAME)
def check_publication(publication_id: int) -> None:
    processing.publication_check(publication_id=publication_id)


@shared_task(name="publishing.tasks.dispatch_due_publications")
def dispatch_due_publications() -> int:
    return sweeps.publications_dispatch_due()


@shared_task(name="publishing.tasks.reap_expired_leases")
def reap_expired_leases() -> int:
    return sweeps.publications_reap_expired_leases()


@shared_task(name="publishing.tasks.check_processing")
def check_processing() -> int:
    return sweeps.publications_check_processing_due()


@shared_task(name="publishing.tasks.noop")
def noop() -> None:
    """Does nothing: the broker round trip it measures is the pipeline's floor (bench)."""
