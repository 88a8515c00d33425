"""The API's notification (API.md "Additions"): ``{id, kind, message, created_at, read_at,
link}``; ``link`` is a path on this site, or empty."""

from __future__ import annotations

from rest_framework import serializers

from clipmaker.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ("id", "kind", "message", "created_at", "read_at", "link")
        read_only_fields = fields


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="Сколько уведомлений отмечено прочитанными")
