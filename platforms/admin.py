"""Admin for support staff: connections with their state; tokens are never shown."""

from django.contrib import admin

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
    list_filter = ("platform", "status")
    search_fields = ("user__username", "account_name", "account_id")
    list_select_related = ("user",)
    # The sealed token fields are excluded entirely: not even ciphertext is displayed.
    exclude = ("access_token_sealed", "refresh_token_sealed")
    readonly_fields = (
        "id",
        "connected_at",
        "updated_at",
        "last_checked_at",
        "last_check_ok",
        "last_error",
    )
