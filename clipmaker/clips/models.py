"""Rendered clips, stored through Django's storage API under generated names."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models


class ClipStatus(models.TextChoices):
    RENDERING = "rendering", "Рендерится"
    # Stored; a task is reading the file with the demuxer (clipmaker.clips.tasks.probe_clip).
    PROCESSING = "processing", "Проверяется"
    READY = "ready", "Готов"
    # The probe found a file no platform would take; ``status_message`` says why.
    REJECTED = "rejected", "Отклонён"
    FAILED = "failed", "Ошибка"


def clip_upload_to(instance: Clip, filename: str) -> str:
    """A generated name: the user's file name (kept in ``original_filename``) may be any length,
    in any script, and is never part of a path."""
    ext = Path(filename).suffix.lower()
    if not ext[1:].isalnum() or len(ext) > 8:
        ext = ""
    return f"clips/{instance.owner_id}/{uuid.uuid4().hex}{ext}"


class Clip(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="clips",
        verbose_name="владелец",
    )
    title = models.CharField("название", max_length=255)
    description = models.TextField("описание", blank=True)
    file = models.FileField("файл", upload_to=clip_upload_to, max_length=500)
    original_filename = models.CharField("имя файла при загрузке", max_length=500, blank=True)
    size_bytes = models.BigIntegerField("размер, байт", default=0)
    duration_seconds = models.FloatField("длительность, с", null=True, blank=True)
    width = models.PositiveIntegerField("ширина", null=True, blank=True)
    height = models.PositiveIntegerField("высота", null=True, blank=True)
    video_codec = models.CharField("видеокодек", max_length=32, blank=True)
    audio_codec = models.CharField("аудиокодек", max_length=32, blank=True)
    status = models.CharField(
        "статус", max_length=16, choices=ClipStatus.choices, default=ClipStatus.RENDERING
    )
    # Why the clip was rejected (Russian, for the user).
    status_message = models.TextField("причина", blank=True)
    probe_attempts = models.PositiveSmallIntegerField("попытки проверки", default=0)
    # When a probe task was last sent: the sweep sends it again if it was lost.
    probe_sent_at = models.DateTimeField("проверка отправлена", null=True, blank=True)
    probed_at = models.DateTimeField("проверен", null=True, blank=True)
    created_at = models.DateTimeField("создан", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = "клип"
        verbose_name_plural = "клипы"
        indexes = [models.Index(fields=("owner", "-created_at"))]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == ClipStatus.READY

    @property
    def is_processing(self) -> bool:
        return self.status == ClipStatus.PROCESSING

    @property
    def is_rejected(self) -> bool:
        return self.status == ClipStatus.REJECTED


class ClipUpload(models.Model):
    """A resumable upload (tus 1.0.0) of one clip file: bytes arrive in any number of requests
    and are appended to a partial file at ``offset``; the last byte turns it into a ``Clip``
    through ``clip_create``. Abandoned ones are removed by ``clips.tasks.clean_abandoned_uploads``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="clip_uploads",
        verbose_name="владелец",
    )
    filename = models.CharField("имя файла", max_length=500)
    title = models.CharField("название", max_length=255, blank=True)
    description = models.TextField("описание", blank=True)
    length = models.BigIntegerField("размер, байт")
    offset = models.BigIntegerField("получено, байт", default=0)
    clip = models.OneToOneField(
        Clip,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="upload",
        verbose_name="клип",
    )
    created_at = models.DateTimeField("начата", auto_now_add=True)
    updated_at = models.DateTimeField("последние данные", auto_now=True, db_index=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "загрузка по частям"
        verbose_name_plural = "загрузки по частям"

    def __str__(self) -> str:
        return self.filename

    @property
    def is_complete(self) -> bool:
        return self.offset >= self.length

    @property
    def percent(self) -> int:
        return int(self.offset * 100 // self.length) if self.length else 0
