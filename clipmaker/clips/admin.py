"""Support staff's view of clips: owner and plan, and what was published where."""

from django.contrib import admin
from django.http import HttpRequest

from clipmaker.clips.models import Clip
from publishing.models import Publication


class PublicationInline(admin.TabularInline):
    model = Publication
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("platform", "status", "attempts", "scheduled_at", "published_at", "error_message")
    readonly_fields = fields
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest, obj: Clip | None = None) -> bool:
        return False


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "owner", "owner_plan", "status", "size_bytes", "created_at")
    list_filter = ("status", "owner__plan", "created_at")
    search_fields = ("=id", "title", "owner__username", "owner__email")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = ("size_bytes", "duration_seconds", "width", "height", "created_at")
    inlines = (PublicationInline,)

    @admin.display(description="тариф", ordering="owner__plan")
    def owner_plan(self, obj: Clip) -> str:
        return obj.owner.get_plan_display()
