"""API shapes of clips and publications (shared/API.md, "Clips" and "Publications")."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clipmaker.clips.models import Clip
from platforms.selectors import connection_expired_by
from platforms.serializers import KIND_CHOICES, PlatformField
from publishing.models import Publication, PublicationStatus
from stats.selectors import publication_stats_summary
from stats.serializers import PublicationStatsSerializer


class ProgressSerializer(serializers.Serializer):
    bytes_sent = serializers.IntegerField()
    bytes_total = serializers.IntegerField()


class PublicationDestinationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    # Beyond the contract: how the pages name it, and whose account posts there.
    # A field named like Field.label: DRF's metaclass takes it out of the class attributes.
    label = serializers.CharField()  # type: ignore[assignment]
    account_name = serializers.CharField(source="connection.account_name")


class OptionalURLField(serializers.URLField):
    """A link that may not exist yet: ``null`` then, never ``""`` (the schema says ``uri``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, read_only=True, **kwargs)

    # The stubs say a field always represents as str; this one says null until there is a link.
    def to_representation(self, value: str) -> str | None:  # type: ignore[override]
        return value or None


class PublicationSerializer(serializers.ModelSerializer):
    clip = serializers.IntegerField(source="clip_id", read_only=True)
    platform = PlatformField(read_only=True)
    destination = PublicationDestinationSerializer(read_only=True)
    status = serializers.ChoiceField(choices=PublicationStatus.choices, read_only=True)
    progress = serializers.SerializerMethodField()
    stats = serializers.SerializerMethodField()
    max_attempts = serializers.IntegerField(read_only=True)
    platform_url = OptionalURLField()
    token_expires_first = serializers.SerializerMethodField(
        help_text=(
            "Запланирована на время после того, как истечёт токен подключения (вставленный "
            "токен не продлевается сам): переподключите платформу раньше, иначе публикация "
            "не выйдет."
        )
    )
    vk_mode = serializers.SerializerMethodField(
        help_text="VK: clip (Клип) или video (VK Видео с записью на стене); иначе null"
    )

    class Meta:
        model = Publication
        fields = (
            "id",
            "clip",
            "platform",
            "destination",
            "status",
            "scheduled_at",
            "queued_at",
            "published_at",
            "attempts",
            "platform_url",
            "error_message",
            "progress",
            "stats",
            "sent_title",
            "sent_description",
            # Beyond the contract: what the pages show too (``texts``: this platform's own text
            # over the shared title and description).
            "title",
            "description",
            "texts",
            "next_attempt_at",
            "max_attempts",
            "cancel_requested_at",
            "created_at",
            "token_expires_first",
            "vk_mode",
        )
        read_only_fields = fields

    def get_token_expires_first(self, obj: Publication) -> bool:
        return obj.status == PublicationStatus.SCHEDULED and connection_expired_by(
            connection=obj.destination.connection, moment=obj.scheduled_at
        )

    def get_vk_mode(self, obj: Publication) -> str | None:
        return obj.vk_mode or None

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, obj: Publication) -> dict[str, int]:
        return {"bytes_sent": obj.bytes_sent, "bytes_total": obj.bytes_total}

    @extend_schema_field(PublicationStatsSerializer(allow_null=True))
    def get_stats(self, obj: Publication) -> dict[str, Any] | None:
        summary = publication_stats_summary(obj)
        return None if summary is None else PublicationStatsSerializer(summary).data


class ClipSerializer(serializers.ModelSerializer):
    publications = PublicationSerializer(many=True, read_only=True)

    class Meta:
        model = Clip
        fields = (
            "id",
            "title",
            "description",
            "status",
            "size_bytes",
            "duration_seconds",
            "created_at",
            "publications",
            "width",
            "height",
            # Beyond the contract: the probe's findings. ``status`` is "processing" until the
            # file was checked, then "ready" or "rejected" with ``status_message`` saying why.
            "status_message",
            "original_filename",
            "video_codec",
            "audio_codec",
        )
        read_only_fields = fields


class ClipEditSerializer(serializers.Serializer):
    """``PATCH /api/v1/clips/{id}/``: a new title and/or description."""

    title = serializers.CharField(
        max_length=255,
        required=False,
        error_messages={
            "blank": "Введите название клипа.",
            "max_length": "Название длиннее 255 символов. Сократите его.",
        },
    )
    description = serializers.CharField(required=False, allow_blank=True)


class ClipUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=False,
        error_messages={
            "required": "Приложите файл клипа в поле file.",
            "empty": "Файл пустой. Выберите другой файл.",
            "invalid": "Файл не получен. Отправьте его как multipart/form-data в поле file.",
        },
    )
    title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_field(
    # The same named enum as a publication's ``platform`` (one name per choice set).
    {"type": "array", "items": {"$ref": "#/components/schemas/PlatformEnum"}, "minItems": 1}
)
class PlatformListField(serializers.ListField):
    pass


class PlatformTextSerializer(serializers.Serializer):
    """A title and/or description written for one platform; blank means the shared one."""

    title = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False
    )
    description = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False
    )


class VKModeField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "error_messages", {"invalid_choice": "Режим VK может быть «clip» (Клип) или «video»."}
        )
        super().__init__(choices=(("clip", "Клип"), ("video", "Видео")), **kwargs)


class RetryRequestSerializer(serializers.Serializer):
    """``{"vk_mode": "video"}`` retries a VK publication in that mode (e.g. after VK refused
    the account Клипы); an empty body retries it as it was."""

    vk_mode = VKModeField(required=False, allow_null=True, default=None)


class PublishRequestSerializer(serializers.Serializer):
    """``destinations`` (ids from ``GET /api/v1/destinations/``) or, the older way, ``platforms``
    (each meaning the caller's one enabled destination there)."""

    destinations = serializers.ListField(
        child=serializers.IntegerField(
            error_messages={"invalid": "Место указывается числом — id из списка мест."}
        ),
        required=False,
        allow_empty=False,
        error_messages={"empty": "Укажите хотя бы одно место публикации."},
        help_text="id мест публикации (GET /api/v1/destinations/); ошибки по ключу destination:<id>",
    )
    platforms = PlatformListField(
        child=PlatformField(
            error_messages={"invalid_choice": "Неизвестная платформа «{input}»."},
        ),
        required=False,
        allow_empty=False,
        error_messages={"empty": "Укажите хотя бы одну платформу."},
        help_text="для тех, у кого по одному месту на платформе; ошибки по ключу платформы",
    )
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    title = serializers.CharField(max_length=255, required=False, allow_null=True, default=None)
    description = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None
    )
    texts = serializers.DictField(
        child=PlatformTextSerializer(),
        required=False,
        help_text=(
            'свой текст для платформы поверх общего: {"telegram": {"title": ..., '
            '"description": ...}}; должен уместиться в её лимиты, ошибки по ключу платформы'
        ),
    )
    vk_mode = VKModeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="только VK: clip (Клип) или video; по умолчанию — настройка каждого места VK",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "destinations" in attrs and "platforms" in attrs:
            raise serializers.ValidationError(
                {"destinations": ["Укажите что-то одно: места (destinations) или платформы."]}
            )
        if "destinations" not in attrs and "platforms" not in attrs:
            raise serializers.ValidationError(
                {"platforms": ["Укажите места (destinations) или платформы (platforms)."]}
            )
        return attrs


class RescheduleRequestSerializer(serializers.Serializer):
    """``PATCH /api/v1/publications/{id}/``: a scheduled publication's new time."""

    scheduled_at = serializers.DateTimeField(
        error_messages={
            "required": "Укажите новое время в поле scheduled_at.",
            "null": "Укажите новое время в поле scheduled_at.",
            "invalid": (
                "Неверный формат времени. Укажите время в ISO 8601 со смещением, например "
                "2026-05-01T10:00:00+03:00."
            ),
        },
        help_text="новое время, ISO 8601 со смещением; не дальше года от сейчас",
    )
