from django.contrib import admin

from publishing.models import Publication


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "clip",
        "platform",
        "status",
        "attempts",
        "scheduled_at",
        "published_at",
        "created_at",
    )
    list_filter = ("status", "platform", "created_at")
    search_fields = ("clip__title", "clip__owner__username")
    list_select_related = ("clip",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "claim_token",
        "lease_expires_at",
        "platform_handle",
        "created_at",
        "updated_at",
    )
