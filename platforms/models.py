"""Platform connections: one per user and platform, tokens sealed with platforms.crypto."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from platforms import crypto
from platforms.providers.registry import platform_choices

TOKEN_FIELDS = ("access_token", "refresh_token")


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", "Подключено"
    EXPIRED = "expired", "Токен истёк"
    REVOKED = "revoked", "Отключено"


class PlatformConnection(models.Model):
    # A UUID known before the first INSERT, so a token can be bound to its row from the start.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="platform_connections",
        verbose_name="пользователь",
    )
    platform = models.CharField("платформа", max_length=16, choices=platform_choices)
    status = models.CharField(
        "состояние",
        max_length=16,
        choices=ConnectionStatus.choices,
        default=ConnectionStatus.ACTIVE,
    )
    account_id = models.CharField("ID аккаунта", max_length=128, blank=True)
    account_name = models.CharField("аккаунт", max_length=255, blank=True)
    # Sealed tokens (platforms.crypto); read and write them only through get_token/set_token.
    access_token_sealed = models.TextField(blank=True, editable=False)
    refresh_token_sealed = models.TextField(blank=True, editable=False)
    expires_at = models.DateTimeField("токен действует до", null=True, blank=True)
    # Non-secret connection settings: VK group_id / vk_mode / device_id, Telegram chat_id ...
    extra = models.JSONField("настройки", default=dict, blank=True)
    connected_at = models.DateTimeField("подключено", default=timezone.now)
    updated_at = models.DateTimeField("изменено", auto_now=True)
    last_checked_at = models.DateTimeField("последняя проверка", null=True, blank=True)
    last_check_ok = models.BooleanField("проверка прошла", null=True, blank=True)
    last_error = models.TextField("последняя ошибка", blank=True)

    class Meta:
        verbose_name = "подключение платформы"
        verbose_name_plural = "подключения платформ"
        constraints = [
            models.UniqueConstraint(fields=("user", "platform"), name="one_connection_per_platform")
        ]
        indexes = [models.Index(fields=("status", "expires_at"))]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.account_name or self.account_id}"

    # --- tokens ----------------------------------------------------------------------------
    def _aad(self, field: str) -> bytes:
        return crypto.associated_data(table="platformconnection", row_id=str(self.id), field=field)

    def get_token(self, field: str) -> str | None:
        if field not in TOKEN_FIELDS:
            raise ValueError(f"Unknown token field {field!r}")
        sealed = getattr(self, f"{field}_sealed")
        if not sealed:
            return None
        return crypto.decrypt(sealed, aad=self._aad(field))

    def set_token(self, field: str, value: str | None) -> None:
        if field not in TOKEN_FIELDS:
            raise ValueError(f"Unknown token field {field!r}")
        sealed = crypto.encrypt(value, aad=self._aad(field)) if value else ""
        setattr(self, f"{field}_sealed", sealed)

    def clear_tokens(self) -> None:
        for field in TOKEN_FIELDS:
            setattr(self, f"{field}_sealed", "")

    @property
    def is_active(self) -> bool:
        return self.status == ConnectionStatus.ACTIVE

    def credentials(self) -> Any:
        """Provider credentials, decrypted in memory at the moment of use."""
        from platforms.providers.types import Credentials

        return Credentials(
            access_token=self.get_token("access_token") or "",
            refresh_token=self.get_token("refresh_token"),
            expires_at=self.expires_at,
            account_id=self.account_id,
            extra=dict(self.extra),
        )
