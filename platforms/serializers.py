"""API shapes for platform connections (API.md "Platforms"); no token is ever serialised."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from platforms.providers import platform_choices, provider_class, provider_classes


class PlatformField(serializers.ChoiceField):
    """A platform identifier; the choices are the registry's when the serializer is built."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("choices", None)
        super().__init__(choices=platform_choices(), **kwargs)


class PlatformStateSerializer(serializers.Serializer):
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
        for spec in provider_class(attrs["platform"]).connect_fields:
            if not attrs.get(spec.name):
                errors[spec.name] = [spec.required_message]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _connect_input_fields() -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {}
    for provider in provider_classes():
        for spec in provider.connect_fields:
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


for _name, _field in _connect_input_fields().items():
    ConnectRequestSerializer._declared_fields[_name] = _field


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
