"""API shapes of stats (shared/API.md): a publication's ``stats`` object and its history."""

from __future__ import annotations

from rest_framework import serializers


class PublicationStatsSerializer(serializers.Serializer):
    views = serializers.IntegerField(allow_null=True)
    likes = serializers.IntegerField(allow_null=True)
    comments = serializers.IntegerField(allow_null=True)
    shares = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField(
        help_text="Когда платформа последний раз подтвердила эти цифры."
    )
    # Beyond the contract.
    changed_at = serializers.DateTimeField(
        allow_null=True, help_text="Когда цифры последний раз изменились."
    )
    state = serializers.ChoiceField(
        choices=["ok", "gone", "connection_inactive"],
        help_text=(
            "ok; gone — видео удалено или скрыто на платформе (цифры последние известные); "
            "connection_inactive — подключение истекло или отключено, цифры не обновляются."
        ),
    )


class StatsPointSerializer(serializers.Serializer):
    collected_at = serializers.DateTimeField()
    views = serializers.IntegerField()
    likes = serializers.IntegerField()
    comments = serializers.IntegerField()
    shares = serializers.IntegerField()


class StatsHistorySerializer(serializers.Serializer):
    available = serializers.BooleanField()
    history = StatsPointSerializer(many=True)
    next_since = serializers.DateTimeField(
        allow_null=True,
        help_text="Передайте как ?since= за следующей страницей; null на последней.",
    )
