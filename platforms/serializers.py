"""API shapes for platform connections (API.md "Platforms"); no token is ever serialised."""

from __future__ import annotations

from rest_framework import serializers

from platforms.constants import Platform


class PlatformStateSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
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
    platform = serializers.ChoiceField(
        choices=Platform.choices,
        error_messages={"invalid_choice": "Неизвестная платформа «{input}»."},
    )
    token = serializers.CharField(
        required=False,
        write_only=True,
        allow_blank=True,
        max_length=512,
        help_text="rutube: API token; telegram: bot token from @BotFather",
    )
    chat_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="telegram only: @channel or numeric id (-100...)",
    )

    def validate(self, attrs: dict) -> dict:
        platform = attrs["platform"]
        errors: dict[str, list[str]] = {}
        if platform in (Platform.RUTUBE, Platform.TELEGRAM) and not attrs.get("token"):
            errors["token"] = ["Вставьте токен."]
        if platform == Platform.TELEGRAM and not attrs.get("chat_id"):
            errors["chat_id"] = ["Укажите канал: @имя_канала или его числовой id."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class AuthorizeUrlSerializer(serializers.Serializer):
    authorize_url = serializers.URLField()


class TestResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    detail = serializers.CharField()


class DisconnectResultSerializer(serializers.Serializer):
    cancelled_publications = serializers.IntegerField()


class ErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
