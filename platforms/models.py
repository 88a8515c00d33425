"""Platform connections (one credential set each, tokens sealed with platforms.crypto) and their
destinations (the places a connection posts to: a VK page or community, a Telegram channel, the
Rutube or Дзен channel). A user may hold several connections per platform (one per account or
bot) and several destinations per connection; a publication targets one destination."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from platforms import crypto
from platforms.providers.registry import platform_choices, platform_label, provider_class
from platforms.providers.types import Credentials, DestinationInfo, DestinationKind

TOKEN_FIELDS = ("access_token", "refresh_token")


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", "Подключено"
    EXPIRED = "expired", "Токен истёк"
    REVOKED = "revoked", "Отключено"


KIND_LABELS: dict[str, str] = {
    DestinationKind.PAGE: "Страница",
    DestinationKind.COMMUNITY: "Сообщество",
    DestinationKind.CHANNEL: "Канал",
}


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
            # Connecting the same account (VK user, bot, Rutube or Дзен account) again updates its
            # connection instead of adding a second one.
            models.UniqueConstraint(
                fields=("user", "platform", "account_id"), name="one_connection_per_account"
            )
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

    def credentials(self) -> Credentials:
        """Provider credentials, decrypted in memory at the moment of use."""
        return Credentials(
            access_token=self.get_token("access_token") or "",
            refresh_token=self.get_token("refresh_token"),
            expires_at=self.expires_at,
            account_id=self.account_id,
            extra=dict(self.extra),
        )


class DestinationQuerySet(models.QuerySet["Destination"]):
    def live(self) -> DestinationQuerySet:
        """Not removed, on a connection that is not revoked (what the user has)."""
        return self.filter(removed_at__isnull=True).exclude(
            connection__status=ConnectionStatus.REVOKED
        )


class Destination(models.Model):
    """One place a connection posts to. Removing one keeps its row (``removed_at``) so that the
    publications made to it keep their place, link and stats; adding it again revives it."""

    connection = models.ForeignKey(
        PlatformConnection,
        on_delete=models.CASCADE,
        related_name="destinations",
        verbose_name="подключение",
    )
    kind = models.CharField(
        "вид", max_length=16, choices=[(k.value, KIND_LABELS[k]) for k in DestinationKind]
    )
    # The platform's id of the place: VK owner id (negative for a community), Telegram chat id.
    external_id = models.CharField("ID на платформе", max_length=128, blank=True)
    name = models.CharField("название на платформе", max_length=255, blank=True)
    custom_name = models.CharField("своё название", max_length=255, blank=True)
    # Non-secret settings of the place, merged over the connection's when publishing
    # (VK group_id, Telegram chat_id / chat_username).
    extra = models.JSONField("настройки места", default=dict, blank=True)
    enabled = models.BooleanField("включено", default=True)
    removed_at = models.DateTimeField("удалено", null=True, blank=True)
    created_at = models.DateTimeField("добавлено", default=timezone.now)
    updated_at = models.DateTimeField("изменено", auto_now=True)
    last_checked_at = models.DateTimeField("последняя проверка", null=True, blank=True)
    last_check_ok = models.BooleanField("проверка прошла", null=True, blank=True)
    last_error = models.TextField("последняя ошибка", blank=True)

    objects = DestinationQuerySet.as_manager()

    class Meta:
        verbose_name = "место публикации"
        verbose_name_plural = "места публикации"
        ordering = ("connection__platform", "created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("connection", "external_id"), name="one_destination_per_place"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def platform(self) -> str:
        return self.connection.platform

    @property
    def display_name(self) -> str:
        """The user's own name for the place, else the platform's."""
        return self.custom_name or self.name or self.external_id or platform_label(self.platform)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def place_label(self) -> str:
        """«Сообщество «Кухня за 10 минут»»."""
        return f"{self.kind_label} «{self.display_name}»"

    @property
    def label(self) -> str:
        """«VK · Сообщество «Кухня за 10 минут»»: how pages name the place."""
        return f"{platform_label(self.platform)} · {self.place_label}"

    @property
    def short_label(self) -> str:
        """«VK · Кухня за 10 минут»: badges."""
        return f"{platform_label(self.platform)} · {self.display_name}"

    @property
    def mode_choices(self) -> list[tuple[str, str, bool]]:
        """(mode, its name, whether it is this place's default) on a platform with several
        ways of publishing (VK: Клип, Видео); empty elsewhere."""
        provider = provider_class(self.platform)
        if not provider.modes:
            return []
        current = provider.publish_mode(None, {**self.connection.extra, **self.extra})
        return [(m, provider.mode_labels.get(m, m), m == current) for m in provider.modes]

    @property
    def wallpost(self) -> bool:
        """VK: whether publications here also go on the wall (on unless switched off)."""
        value = {**self.connection.extra, **self.extra}.get("vk_wallpost", True)
        return value not in (False, 0, "0", "false", "")

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def is_usable(self) -> bool:
        """Enabled, not removed, and its connection is active."""
        return self.enabled and self.removed_at is None and self.connection.is_active

    def info(self) -> DestinationInfo:
        return DestinationInfo(
            external_id=self.external_id,
            name=self.name,
            kind=self.kind,
            extra=dict(self.extra),
        )

    def credentials(self, connection: PlatformConnection | None = None) -> Credentials:
        """The connection's credentials aimed at this place (its settings over the connection's):
        what a provider receives to publish here. ``connection``: a freshly refreshed copy."""
        conn = connection or self.connection
        return provider_class(conn.platform).place_credentials(conn.credentials(), self.extra)
