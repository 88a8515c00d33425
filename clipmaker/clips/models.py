"""Rendered clips, stored through Django's storage API."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ClipStatus(models.TextChoices):
    RENDERING = "rendering", "Рендерится"
    READY = "ready", "Готов"
    FAILED = "failed", "Ошибка"


def clip_upload_to(instance: Clip, filename: str) -> str:
    return f"clips/{instance.owner_id}/{filename}"


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
    size_bytes = models.BigIntegerField("размер, байт", default=0)
    duration_seconds = models.FloatField("длительность, с", null=True, blank=True)
    width = models.PositiveIntegerField("ширина", null=True, blank=True)
    height = models.PositiveIntegerField("высота", null=True, blank=True)
    status = models.CharField(
        "статус", max_length=16, choices=ClipStatus.choices, default=ClipStatus.RENDERING
    )
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
