"""API shapes for platform connections (API.md "Platforms"); no token is ever serialised."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from platforms.models import KIND_LABELS
from platforms.providers import (
    DestinationKind,
    platform_choices,
    provider_class,
    provider_classes,
)


class PlatformField(serializers.ChoiceField):
    """A platform identifier; the choices are the registry's when the serializer is built."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("choices", None)
        super().__init__(choices=platform_choices(), **kwargs)


class PlatformStateSerializer(serializers.Serializer):
    connection_id = serializers.UUIDField(
        allow_null=True, help_text="the connection's id; null for a platform not connected"
    )
    platform = PlatformField()
    status = serializers.ChoiceField(
        choices=["active", "expired", "revoked", "disconnected"],
        help_text="active, expired, revoked, or disconnected (never connected)",
    )
    account_name = serializers.CharField(allow_blank=True)
    account_id = serializers.CharField(allow_blank=True)
    connected_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    allowed_by_plan = serializers.BooleanField()
    last_checked_at = serializers.DateTimeField(allow_null=True)
    last_check_ok = serializers.BooleanField(allow_null=True)
    destinations = serializers.SerializerMethodField(help_text="ids of its live destinations")

    def get_destinations(self, obj: Any) -> list[int]:
        return [d.pk for d in obj.destinations]


KIND_CHOICES = [(k.value, KIND_LABELS[k]) for k in DestinationKind]


class DestinationSerializer(serializers.Serializer):
    """A place the user publishes to (API.md "Additions")."""

    id = serializers.IntegerField()
    platform = PlatformField()
    connection_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    name = serializers.CharField(
        source="display_name", help_text="the user's own name, else the platform's"
    )
    external_id = serializers.CharField(allow_blank=True)
    enabled = serializers.BooleanField()
    allowed_by_plan = serializers.SerializerMethodField()
    # Beyond the contract: what the settings page shows too.
    platform_name = serializers.CharField(source="name", allow_blank=True)
    account_name = serializers.CharField(source="connection.account_name", allow_blank=True)
    connection_status = serializers.CharField(source="connection.status")
    # A field named like Field.label: DRF's metaclass takes it out of the class attributes.
    label = serializers.CharField()  # type: ignore[assignment]
    last_checked_at = serializers.DateTimeField(allow_null=True)
    last_check_ok = serializers.BooleanField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    vk_mode = serializers.SerializerMethodField(
        help_text="VK: how publications here go out by default (clip or video); null elsewhere"
    )
    vk_wallpost = serializers.SerializerMethodField(
        help_text="VK: whether they also go on the wall; null elsewhere"
    )

    def get_allowed_by_plan(self, obj: Any) -> bool:
        return obj.pk in self.context.get("within_limit", set())

    def get_vk_mode(self, obj: Any) -> str | None:
        return next((mode for mode, _label, on in obj.mode_choices if on), None)

    def get_vk_wallpost(self, obj: Any) -> bool | None:
        return obj.wallpost if obj.mode_choices else None


class DestinationChangeSerializer(serializers.Serializer):
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="your own name for the place; empty: the platform's name again",
    )
    enabled = serializers.BooleanField(required=False)
    vk_mode = serializers.ChoiceField(
        choices=(("clip", "Клип"), ("video", "Видео")),
        required=False,
        help_text="VK: the default mode of publications here",
        error_messages={"invalid_choice": "Режим VK может быть «clip» (Клип) или «video»."},
    )
    vk_wallpost = serializers.BooleanField(
        required=False, help_text="VK: also post each publication on the wall"
    )


class PlaceSerializer(serializers.Serializer):
    """A place the connection's credential can post to, as the platform lists it."""

    external_id = serializers.CharField(source="place.external_id", allow_blank=True)
    name = serializers.CharField(source="place.name", allow_blank=True)
    kind = serializers.ChoiceField(source="place.kind", choices=KIND_CHOICES)
    added = serializers.BooleanField()
    destination_id = serializers.IntegerField(source="destination.pk", allow_null=True)


class DestinationAddSerializer(serializers.Serializer):
    """``external_ids`` of listed places, or the inputs a platform takes for one place added by
    hand (its adapter's ``destination_fields``, e.g. Telegram's ``chat_id``)."""

    external_ids = serializers.ListField(
        child=serializers.CharField(max_length=128), required=False, allow_empty=False
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("external_ids") and not any(
            attrs.get(name) for name in attrs if name != "external_ids"
        ):
            raise serializers.ValidationError(
                {"external_ids": ["Укажите места (external_ids) из списка мест подключения."]}
            )
        return attrs


class ConnectRequestSerializer(serializers.Serializer):
    """``platform`` plus the connect inputs of token platforms (their adapters declare them).

    Which inputs a platform requires is checked in ``validate``; the platform itself checks
    their shape and the token (``platforms.connect``).
    """

    platform = PlatformField(
        error_messages={"invalid_choice": "Неизвестная платформа «{input}»."},
    )

    def validate(self, attrs: dict) -> dict:
        errors: dict[str, list[str]] = {}
        cls = provider_class(attrs["platform"])
        if cls.uses_oauth and not any(attrs.get(spec.name) for spec in cls.connect_fields):
            return attrs  # no pasted token: the OAuth flow (VK ID, Yandex)
        for spec in cls.connect_fields:
            if not attrs.get(spec.name):
                errors[spec.name] = [spec.required_message]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _connect_input_fields(declared: str) -> dict[str, serializers.Field]:
    """Inputs the adapters declare under ``declared`` (``connect_fields`` or
    ``destination_fields``), one field per name, saying which platforms take it."""
    fields: dict[str, serializers.Field] = {}
    for provider in provider_classes():
        for spec in getattr(provider, declared):
            field = fields.get(spec.name)
            used_by = f"{provider.platform}: {spec.label}"
            help_text = f"{field.help_text}; {used_by}" if field is not None else used_by
            fields[spec.name] = serializers.CharField(
                required=False,
                allow_blank=True,
                write_only=spec.secret,
                max_length=spec.max_length,
                help_text=help_text,
            )
    return fields


for _name, _field in _connect_input_fields("connect_fields").items():
    ConnectRequestSerializer._declared_fields[_name] = _field
for _name, _field in _connect_input_fields("destination_fields").items():
    DestinationAddSerializer._declared_fields[_name] = _field


class AuthorizeUrlSerializer(serializers.Serializer):
    authorize_url = serializers.URLField()


class TestResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    detail = serializers.CharField()


class DisconnectResultSerializer(serializers.Serializer):
    cancelled_publications = serializers.IntegerField()


class ErrorsSerializer(serializers.Serializer):
    # DRF's metaclass moves declared fields off the class, so ``Serializer.errors`` is intact;
    # the stubs only see the class attribute.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
