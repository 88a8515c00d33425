from django.contrib import admin
from django.http import HttpRequest

from stats.models import StatsSnapshot, StatsTrack


@admin.register(StatsSnapshot)
class StatsSnapshotAdmin(admin.ModelAdmin):
    list_display = ("publication", "collected_at", "views", "likes", "comments", "shares")
    list_filter = ("collected_at",)
    list_select_related = ("publication",)


@admin.register(StatsTrack)
class StatsTrackAdmin(admin.ModelAdmin):
    """What the stats sync knows about each publication: read-only, written by the sync."""

    list_display = (
        "publication",
        "platform",
        "due_at",
        "checked_at",
        "views",
        "gone_at",
        "failures",
        "last_error",
    )
    list_filter = ("platform", ("gone_at", admin.EmptyFieldListFilter), "failures")
    list_select_related = ("publication",)
    search_fields = ("publication__id", "handle_id")
    readonly_fields = [field.name for field in StatsTrack._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
