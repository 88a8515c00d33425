"""Admin for notifications: support sees what a user was told and whether the letter went."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from clipmaker.notifications.models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "short_message", "read_at", "email_state")
    list_filter = ("kind", "email_state", "in_app")
    search_fields = ("user__username", "user__email", "message", "key")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "kind",
        "key",
        "message",
        "link",
        "created_at",
        "read_at",
        "in_app",
        "email_state",
        "email_attempts",
        "emailed_at",
    )
    actions = ("mark_read",)

    @admin.display(description="текст")
    def short_message(self, obj: Notification) -> str:
        return obj.message if len(obj.message) <= 90 else f"{obj.message[:89]}…"

    @admin.action(description="Отметить прочитанными")
    def mark_read(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        marked = queryset.filter(read_at__isnull=True).update(read_at=timezone.now())
        self.message_user(request, f"Отмечено прочитанными: {marked}.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "in_app", "email", "updated_at")
    list_filter = ("in_app", "email")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
