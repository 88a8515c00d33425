from django.contrib import admin

from stats.models import StatsSnapshot


@admin.register(StatsSnapshot)
class StatsSnapshotAdmin(admin.ModelAdmin):
    list_display = ("publication", "collected_at", "views", "likes", "comments", "shares")
    list_filter = ("collected_at",)
    list_select_related = ("publication",)
