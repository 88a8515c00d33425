"""The probe of a stored clip: ``processing`` → ``ready`` or ``rejected`` (with a reason).

Runs in the ``probe_clip`` task, outside any web request. A delivery claims the clip with a
conditional UPDATE that counts the attempt, so a file that kills the worker (or keeps timing
out) is rejected after ``MAX_PROBE_ATTEMPTS`` instead of being probed forever; a lost message is
sent again by ``clips_probe_resend_stale`` (a beat task).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from clipmaker.celery import app
from clipmaker.clips.fit import unacceptable_everywhere
from clipmaker.clips.media import UnsupportedVideo, VideoInfo, probe
from clipmaker.clips.models import Clip, ClipStatus
from clipmaker.logging import log_event
from platforms.providers.media_limits import MediaFacts

MAX_PROBE_ATTEMPTS = 3
FILE_MISSING = "Файл клипа не найден в хранилище. Загрузите клип снова."
GAVE_UP = (
    "Не удалось проверить файл: его проверка несколько раз не завершилась. Экспортируйте клип "
    "заново (MP4, H.264) и загрузите ещё раз."
)
TOO_SLOW = (
    "Файл проверялся слишком долго: он устроен необычно или повреждён. Экспортируйте клип "
    "заново (MP4, H.264) и загрузите ещё раз."
)


@contextlib.contextmanager
def _opened(clip: Clip) -> Iterator[Any]:
    """A local path when the storage has one (the demuxer reads it directly), else the
    storage's file object."""
    try:
        path = clip.file.path
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    with clip.file.open("rb") as fh:
        yield fh


def _reject(clip_id: int, message: str, *, reason: str) -> None:
    updated = Clip.objects.filter(pk=clip_id, status=ClipStatus.PROCESSING).update(
        status=ClipStatus.REJECTED, status_message=message, probed_at=timezone.now()
    )
    if updated:
        log_event("clip_rejected", clip_id=clip_id, reason=reason)


def _accept(clip_id: int, info: VideoInfo) -> None:
    updated = Clip.objects.filter(pk=clip_id, status=ClipStatus.PROCESSING).update(
        status=ClipStatus.READY,
        status_message="",
        duration_seconds=info.duration_seconds,
        width=info.width,
        height=info.height,
        video_codec=info.video_codec,
        audio_codec=info.audio_codec,
        probed_at=timezone.now(),
    )
    if updated:
        log_event(
            "clip_ready",
            clip_id=clip_id,
            duration_seconds=info.duration_seconds,
            width=info.width,
            height=info.height,
            video_codec=info.video_codec,
        )


def clip_probe(*, clip_id: int) -> None:
    """Probe a ``processing`` clip once; any other state (or a missing clip) is left alone."""
    claimed = Clip.objects.filter(
        pk=clip_id, status=ClipStatus.PROCESSING, probe_attempts__lt=MAX_PROBE_ATTEMPTS
    ).update(probe_attempts=F("probe_attempts") + 1)
    if not claimed:
        # Attempts used up (earlier deliveries died mid-probe): stop here, with a reason.
        _reject(clip_id, GAVE_UP, reason="attempts")
        return
    clip = Clip.objects.get(pk=clip_id)
    try:
        with _opened(clip) as source:
            info = probe(source)
    except FileNotFoundError:
        _reject(clip_id, FILE_MISSING, reason="file_missing")
        return
    except UnsupportedVideo as exc:
        _reject(clip_id, str(exc), reason="unsupported")
        return
    except SoftTimeLimitExceeded:
        _reject(clip_id, TOO_SLOW, reason="time_limit")
        return
    refusal = unacceptable_everywhere(
        MediaFacts(
            duration_seconds=info.duration_seconds,
            width=info.width,
            height=info.height,
            video_codec=info.video_codec,
        )
    )
    if refusal:
        _reject(clip_id, refusal, reason="no_platform")
        return
    _accept(clip_id, info)


PROBE_TASK_NAME = "clips.tasks.probe_clip"


def clip_probe_enqueue(*, clip_id: int) -> bool:
    """Send the probe task to the ``default`` queue (after the row is committed).

    A broker that is down must not fail the upload that was just stored: the clip stays
    ``processing`` and the stale-probe sweep sends the probe again later.
    """
    try:
        # No result is awaited: subscribing the result backend would hang the upload for a
        # minute while Redis is down.
        app.send_task(PROBE_TASK_NAME, args=[clip_id], queue="default", ignore_result=True)
    except Exception as exc:
        log_event("clip_probe_enqueue_failed", clip_id=clip_id, error=type(exc).__name__)
        return False
    return True


def clips_probe_resend_stale(*, now: Any = None) -> int:
    """Send the probe again for clips whose message was lost (broker restart); reject those
    whose attempts are used up. Returns how many were sent."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.CLIP_PROBE_RESEND_SECONDS)
    sent = 0
    for clip_id in Clip.objects.filter(
        status=ClipStatus.PROCESSING, probe_sent_at__lt=stale
    ).values_list("pk", flat=True)[:100]:
        if Clip.objects.filter(pk=clip_id, probe_attempts__gte=MAX_PROBE_ATTEMPTS).exists():
            _reject(clip_id, GAVE_UP, reason="attempts")
            continue
        if Clip.objects.filter(
            pk=clip_id, status=ClipStatus.PROCESSING, probe_sent_at__lt=stale
        ).update(probe_sent_at=now):
            clip_probe_enqueue(clip_id=clip_id)
            sent += 1
    return sent
