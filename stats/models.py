"""Stats state: the history of figures per publication (charts) and each one's sync schedule."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class StatsSnapshot(models.Model):
    """The figures as they were at ``collected_at``; written only when one of them changed."""

    publication = models.ForeignKey(
        "publishing.Publication",
        on_delete=models.CASCADE,
        related_name="stats_history",
        verbose_name="публикация",
    )
    collected_at = models.DateTimeField("собрано", db_index=True)
    views = models.BigIntegerField("просмотры", default=0)
    likes = models.BigIntegerField("лайки", default=0)
    comments = models.BigIntegerField("комментарии", default=0)
    shares = models.BigIntegerField("репосты", default=0)

    class Meta:
        ordering = ("publication", "collected_at")
        verbose_name = "снимок статистики"
        verbose_name_plural = "снимки статистики"
        indexes = [models.Index(fields=("publication", "collected_at"))]

    def __str__(self) -> str:
        return f"{self.publication_id} @ {self.collected_at:%Y-%m-%d %H:%M}"


class StatsTrack(models.Model):
    """When a published publication's figures are asked for next, and what the last ask said.

    One narrow row per publication on a platform with stats, created by the sync itself
    (``stats_enrol``), so the publishing engine needs no hook. Rows of a connection that is
    not active are left alone (the sync selects through ``connection``) and resume when it
    is active again.
    """

    publication = models.OneToOneField(
        "publishing.Publication",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stats_track",
        verbose_name="публикация",
    )
    connection = models.ForeignKey(
        "platforms.PlatformConnection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="подключение",
        # Served by the partial index below (live rows only).
        db_index=False,
    )
    platform = models.CharField("платформа", max_length=16)
    # Copies of the publication's: the cadence (hourly while fresh, then every 6 hours) and
    # the id the platform is asked about, so a run reads this narrow table alone.
    published_at = models.DateTimeField("опубликовано")
    handle_id = models.CharField("ID видео на платформе", max_length=128)
    # The figures of the platform's last answer: a new answer is written only if it differs.
    views = models.BigIntegerField("просмотры", null=True, blank=True)
    likes = models.BigIntegerField("лайки", null=True, blank=True)
    comments = models.BigIntegerField("комментарии", null=True, blank=True)
    shares = models.BigIntegerField("репосты", null=True, blank=True)
    due_at = models.DateTimeField("спросить платформу после")
    # The platform's last answer for this video (the figures were confirmed at that moment).
    checked_at = models.DateTimeField("проверено", null=True, blank=True)
    # Left out of an answer once: asked again soon; left out twice means gone.
    missing_at = models.DateTimeField("не найдено на платформе", null=True, blank=True)
    gone_at = models.DateTimeField("удалено или скрыто на платформе", null=True, blank=True)
    failures = models.PositiveSmallIntegerField("неудачных запросов подряд", default=0)
    last_error = models.CharField("последняя ошибка", max_length=200, blank=True)

    class Meta:
        verbose_name = "расписание статистики"
        verbose_name_plural = "расписание статистики"
        indexes = [
            # The sync's only index, and on purpose without due_at: each check rewrites due_at,
            # checked_at and the figures, and with no indexed column among them PostgreSQL
            # updates the row in place (HOT, helped by the table's fillfactor, see the
            # migration) instead of adding an index entry per row per check.
            models.Index(
                fields=("connection",),
                condition=Q(gone_at__isnull=True),
                name="stats_track_connection_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} → {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_gone(self) -> bool:
        return self.gone_at is not None


class StatsRetentionMark(models.Model):
    """How far back the history has been thinned for each tier (hourly, daily)."""

    tier = models.CharField("уровень", max_length=16, primary_key=True)
    done_until = models.DateTimeField("прорежено до")

    class Meta:
        verbose_name = "прореживание истории"
        verbose_name_plural = "прореживание истории"

    def __str__(self) -> str:
        return f"{self.tier}: {self.done_until:%Y-%m-%d %H:%M}"
