"""History of engagement figures per publication (for charts)."""

from __future__ import annotations

from django.db import models


class StatsSnapshot(models.Model):
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
