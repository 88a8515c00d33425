"""Publications: one clip on one destination (a place on a platform), through the lifecycle of
DESIGN.md.

The database is the source of truth: ``scheduled_at`` and ``next_attempt_at`` say when work is
due, a claim (``claim_token`` + ``lease_expires_at``) says who is doing it, and
``platform_handle`` remembers what the platform already has so a retry never posts twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from platforms.providers.registry import platform_choices


class PublicationStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Запланировано"
    QUEUED = "queued", "В очереди"
    PUBLISHING = "publishing", "Публикуется"
    PUBLISHED = "published", "Опубликовано"
    FAILED = "failed", "Ошибка"
    CANCELLED = "cancelled", "Отменено"


IN_FLIGHT_STATUSES = (
    PublicationStatus.SCHEDULED,
    PublicationStatus.QUEUED,
    PublicationStatus.PUBLISHING,
)
FINAL_STATUSES = (
    PublicationStatus.PUBLISHED,
    PublicationStatus.FAILED,
    PublicationStatus.CANCELLED,
)


class Publication(models.Model):
    clip = models.ForeignKey(
        "clips.Clip", on_delete=models.CASCADE, related_name="publications", verbose_name="клип"
    )
    # The place it goes to; ``platform`` is the destination's, kept on the row for queues,
    # filters and stats. A destination is never deleted while publications point at it.
    destination = models.ForeignKey(
        "platforms.Destination",
        on_delete=models.RESTRICT,
        related_name="publications",
        verbose_name="место публикации",
    )
    platform = models.CharField("платформа", max_length=16, choices=platform_choices)
    status = models.CharField(
        "статус", max_length=16, choices=PublicationStatus.choices, db_index=True
    )
    # VK: "clip" (a Клип) or "video" (VK Видео, with a wall post when asked); "" elsewhere.
    vk_mode = models.CharField(
        "режим VK",
        max_length=8,
        blank=True,
        default="",
        choices=(("clip", "Клип"), ("video", "Видео")),
    )
    title = models.CharField("заголовок", max_length=255)
    description = models.TextField("описание", blank=True)

    scheduled_at = models.DateTimeField("запланировано на", null=True, blank=True)
    queued_at = models.DateTimeField("поставлено в очередь", null=True, blank=True)
    # When the next attempt is due (a retry after a transient error or a rate limit).
    next_attempt_at = models.DateTimeField("следующая попытка", null=True, blank=True)
    # When a task for this row was last sent to the broker (lost-message sweep).
    enqueued_at = models.DateTimeField("задача отправлена воркеру", null=True, blank=True)
    started_at = models.DateTimeField("начало публикации", null=True, blank=True)
    published_at = models.DateTimeField("опубликовано", null=True, blank=True)
    finished_at = models.DateTimeField("завершено", null=True, blank=True)

    attempts = models.PositiveSmallIntegerField("попытки", default=0)
    claim_token = models.UUIDField("метка воркера", null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField("воркер держит до", null=True, blank=True)
    # The user cancelled while the upload was running: the engine finishes or drops the
    # running attempt but never starts another one.
    cancel_requested_at = models.DateTimeField("отмена запрошена", null=True, blank=True)

    platform_handle = models.JSONField("данные платформы", null=True, blank=True)
    platform_video_id = models.CharField("ID на платформе", max_length=128, blank=True)
    platform_url = models.URLField("ссылка", max_length=500, blank=True)
    error_message = models.TextField("ошибка", blank=True)
    error_code = models.CharField("код ошибки", max_length=64, blank=True)

    bytes_sent = models.BigIntegerField("отправлено байт", default=0)
    bytes_total = models.BigIntegerField("размер файла, байт", default=0)

    # Latest engagement figures (history lives in stats.StatsSnapshot).
    views = models.BigIntegerField("просмотры", null=True, blank=True)
    likes = models.BigIntegerField("лайки", null=True, blank=True)
    comments = models.BigIntegerField("комментарии", null=True, blank=True)
    shares = models.BigIntegerField("репосты", null=True, blank=True)
    stats_updated_at = models.DateTimeField("статистика обновлена", null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="создал",
    )
    created_at = models.DateTimeField("создано", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = "публикация"
        verbose_name_plural = "публикации"
        constraints = [
            # A double click or two API calls at once cannot start the same post twice.
            models.UniqueConstraint(
                fields=("clip", "destination"),
                condition=Q(status__in=["scheduled", "queued", "publishing"]),
                name="one_active_publication_per_clip_destination",
            )
        ]
        indexes = [
            models.Index(fields=("status", "scheduled_at"), name="pub_due_scheduled"),
            models.Index(fields=("status", "next_attempt_at"), name="pub_due_queued"),
            models.Index(fields=("status", "lease_expires_at"), name="pub_lease"),
            models.Index(fields=("platform", "status", "stats_updated_at"), name="pub_stats"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_platform_display()} · {self.get_status_display()}"

    @property
    def destination_label(self) -> str:
        """«VK · Сообщество «Кухня»» (one query unless the destination was selected)."""
        return self.destination.label

    @property
    def is_in_flight(self) -> bool:
        return self.status in IN_FLIGHT_STATUSES

    @property
    def max_attempts(self) -> int:
        return 1 + len(settings.PUBLISH_RETRY_DELAYS)

    @property
    def progress_percent(self) -> int:
        if not self.bytes_total:
            return 0
        return min(100, int(self.bytes_sent * 100 / self.bytes_total))
