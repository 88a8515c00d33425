"""Celery tasks of the publishing engine: ids in, one service call, nothing else.

Each platform has its own publish task name (``publish_vk`` ...) on its own queue, so the
per-platform ``rate_limit`` annotation applies to that platform only; they all run the same
service. Periodic tasks (``clipmaker/schedules.py``) dispatch due rows, reap dead workers'
claims and poll platforms that are still processing.
"""

from __future__ import annotations

from celery import shared_task

from platforms.constants import Platform
from publishing import dispatch, services
from publishing.ratelimit import celery_rate_limit


@shared_task(name="publishing.tasks.publish_vk", rate_limit=celery_rate_limit(Platform.VK))
def publish_vk(publication_id: int) -> None:
    services.publication_execute(publication_id=publication_id)


@shared_task(name="publishing.tasks.publish_rutube", rate_limit=celery_rate_limit(Platform.RUTUBE))
def publish_rutube(publication_id: int) -> None:
    services.publication_execute(publication_id=publication_id)


@shared_task(name="publishing.tasks.publish_dzen", rate_limit=celery_rate_limit(Platform.DZEN))
def publish_dzen(publication_id: int) -> None:
    services.publication_execute(publication_id=publication_id)


@shared_task(
    name="publishing.tasks.publish_telegram", rate_limit=celery_rate_limit(Platform.TELEGRAM)
)
def publish_telegram(publication_id: int) -> None:
    services.publication_execute(publication_id=publication_id)


@shared_task(name="publishing.tasks.check_publication")
def check_publication(publication_id: int) -> None:
    services.publication_check(publication_id=publication_id)


@shared_task(name="publishing.tasks.dispatch_due_publications")
def dispatch_due_publications() -> int:
    return dispatch.publications_dispatch_due()


@shared_task(name="publishing.tasks.reap_expired_leases")
def reap_expired_leases() -> int:
    return services.publications_reap_expired_leases()


@shared_task(name="publishing.tasks.check_processing")
def check_processing() -> int:
    return dispatch.publications_check_processing_due()


@shared_task(name="publishing.tasks.noop")
def noop() -> None:
    """Does nothing: the broker round trip it measures is the pipeline's floor (bench)."""
