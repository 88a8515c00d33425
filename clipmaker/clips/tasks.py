"""Celery tasks for clips: ids in, one service call. They run on the ``default`` queue."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from clipmaker.clips import probing, resumable
from clipmaker.queues import CONTROL_QUEUE


@shared_task(
    name=probing.PROBE_TASK_NAME,
    queue="default",
    soft_time_limit=settings.CLIP_PROBE_TIME_LIMIT_SECONDS,
    time_limit=settings.CLIP_PROBE_TIME_LIMIT_SECONDS + 30,
)
def probe_clip(clip_id: int) -> None:
    probing.clip_probe(clip_id=clip_id)


@shared_task(name="clips.tasks.resend_stale_probes", queue="default")
def resend_stale_probes() -> int:
    return probing.clips_probe_resend_stale()


@shared_task(name="clips.tasks.clean_abandoned_uploads", queue=CONTROL_QUEUE)
def clean_abandoned_uploads() -> int:
    return resumable.uploads_clean_abandoned()
