"""Admin for support staff: connections with their state; tokens are never shown.

Actions go through the services (a check with the platform, marking expired). The sealed token
columns are excluded from every admin form and list: not even ciphertext is displayed.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from platforms import services
from platforms.models import PlatformConnection


@admin.register(PlatformConnection)
class PlatformConnectionAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "platform",
        "status",
        "account_name",
        "expires_at",
        "last_checked_at",
        "last_check_ok",
        "connected_at",
    )
    list_filter = ("platform", "status", "last_check_ok")
    search_fields = ("user__username", "account_name", "account_id")
    list_select_related = ("user",)
    date_hierarchy = "connected_at"
    fields = (
        "id",
        "user",
        "platform",
        "status",
        "account_id",
        "account_name",
        "expires_at",
        "extra",
        "connected_at",
        "updated_at",
        "last_checked_at",
        "last_check_ok",
        "last_error",
    )
    readonly_fields = fields
    actions = ("check_now", "mark_expired")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Connections are created by their owners through OAuth or a verified token only.
        return False

    @admin.action(description="Проверить сейчас")
    def check_now(self, request: HttpRequest, queryset: QuerySet[PlatformConnection]) -> None:
        for conn in queryset:
            ok, detail = services.connection_test(connection=conn)
            self.message_user(
                request,
                f"{conn}: {detail}",
                level=messages.SUCCESS if ok else messages.WARNING,
            )

    @admin.action(description="Пометить как истёкшие")
    def mark_expired(self, request: HttpRequest, queryset: QuerySet[PlatformConnection]) -> None:
        count = 0
        for conn in queryset:
            services.connection_mark_expired(
                connection=conn, reason=f"Помечено истёкшим в админке ({request.user})."
            )
            count += 1
        self.message_user(request, f"Помечено истёкшими: {count}.", level=messages.SUCCESS)
