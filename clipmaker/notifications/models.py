"""Notifications: one row per event the user should hear about (a publication that failed for
good, a connection that expired or needs attention, a token about to expire), shown in the
bell and, when the user wants it, sent by e-mail — alone or in a digest with others that came
at the same time.

``key`` names the event (``publication_failed:<id>:<when>``); one row per user and key, so an
event reported twice still makes one notification and one e-mail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationKind(models.TextChoices):
    PUBLICATION_FAILED = "publication_failed", "Публикация не удалась"
    CONNECTION_EXPIRED = "connection_expired", "Подключение истекло"
    CONNECTION_ATTENTION = "connection_attention", "Подключение требует внимания"
    TOKEN_EXPIRING = "token_expiring", "Токен скоро истечёт"


class EmailState(models.TextChoices):
    SKIPPED = "skipped", "Не отправляется"
    PENDING = "pending", "Ждёт отправки"
    SENDING = "sending", "Отправляется"
    SENT = "sent", "Отправлено"
    FAILED = "failed", "Не отправлено"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="пользователь",
    )
    kind = models.CharField("вид", max_length=32, choices=NotificationKind.choices)
    key = models.CharField("событие", max_length=200)
    message = models.TextField("текст")
    link = models.CharField("ссылка", max_length=500, blank=True)
    created_at = models.DateTimeField("создано", default=timezone.now)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)
    # False when the user switched the in-app list off: the row still records the event
    # (one e-mail per event) but the bell does not show it.
    in_app = models.BooleanField("в списке на сайте", default=True)
    email_state = models.CharField(
        "письмо", max_length=16, choices=EmailState.choices, default=EmailState.SKIPPED
    )
    # Who is sending it (a conditional UPDATE claims pending rows) and since when.
    email_claim = models.UUIDField(null=True, blank=True, editable=False)
    email_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    email_attempts = models.PositiveSmallIntegerField("попыток отправки", default=0)
    emailed_at = models.DateTimeField("письмо отправлено", null=True, blank=True)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("user", "key"), name="one_notification_per_event")
        ]
        indexes = [
            models.Index(
                fields=("user", "created_at"),
                condition=Q(in_app=True, read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=("email_state", "created_at"),
                condition=Q(email_state__in=["pending", "sending"]),
                name="notification_email_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message[:60]}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """What the user wants to hear and how («Настройки → Уведомления»); absent: both on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name="пользователь",
    )
    in_app = models.BooleanField("показывать на сайте", default=True)
    email = models.BooleanField("присылать на почту", default=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "настройки уведомлений"
        verbose_name_plural = "настройки уведомлений"

    def __str__(self) -> str:
        return f"Уведомления: {self.user}"
