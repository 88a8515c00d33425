"""Admin for support staff: connections with their state; tokens are never shown.

Actions go through the services (a check with the platform, marking expired). The sealed token
columns are excluded from every admin form and list: not even ciphertext is displayed.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from platforms import selectors, services
from platforms.models import Destination, PlatformConnection


class DestinationInline(admin.TabularInline):
    model = Destination
    fields = (
        "kind",
        "name",
        "custom_name",
        "external_id",
        "enabled",
        "removed_at",
        "last_check_ok",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ExpiringFilter(admin.SimpleListFilter):
    """Tokens that cannot renew themselves and run out within a day (or have): the users who
    must reconnect soon."""

    title = "токен истекает"
    parameter_name = "expiring"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        return [("24h", "в течение суток или уже истёк")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[PlatformConnection]
    ) -> QuerySet[PlatformConnection]:
        if self.value() != "24h":
            return queryset
        expiring = selectors.connection_list_expiring_within(hours=24)
        return queryset.filter(pk__in=expiring.values("pk"))


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
    list_filter = ("platform", "status", "last_check_ok", ExpiringFilter)
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
    inlines = (DestinationInline,)
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


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    """Support looks (and checks); places are added, renamed and removed by their owners."""

    list_display = (
        "id",
        "owner",
        "platform",
        "kind",
        "display_name",
        "account",
        "enabled",
        "removed_at",
        "last_checked_at",
        "last_check_ok",
    )
    list_filter = ("connection__platform", "kind", "enabled", "last_check_ok")
    search_fields = (
        "=id",
        "name",
        "custom_name",
        "external_id",
        "connection__user__username",
        "connection__account_name",
    )
    list_select_related = ("connection", "connection__user")
    fields = (
        "id",
        "connection",
        "kind",
        "external_id",
        "name",
        "custom_name",
        "extra",
        "enabled",
        "removed_at",
        "created_at",
        "updated_at",
        "last_checked_at",
        "last_check_ok",
        "last_error",
    )
    readonly_fields = fields
    actions = ("check_now",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Publications keep pointing at their place; owners remove places (kept as removed).
        return False

    @admin.display(description="пользователь", ordering="connection__user__username")
    def owner(self, obj: Destination) -> str:
        return obj.connection.user.username

    @admin.display(description="платформа", ordering="connection__platform")
    def platform(self, obj: Destination) -> str:
        return obj.connection.get_platform_display()

    @admin.display(description="аккаунт")
    def account(self, obj: Destination) -> str:
        return obj.connection.account_name

    @admin.display(description="название")
    def display_name(self, obj: Destination) -> str:
        return obj.display_name

    @admin.action(description="Проверить сейчас")
    def check_now(self, request: HttpRequest, queryset: QuerySet[Destination]) -> None:
        from platforms.destination_flows import destination_test

        for destination in queryset.select_related("connection"):
            ok, detail = destination_test(destination=destination)
            self.message_user(
                request,
                f"{destination}: {detail}",
                level=messages.SUCCESS if ok else messages.WARNING,
            )
