from django.contrib import admin

from clipmaker.clips.models import Clip


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "owner", "owner_plan", "status", "size_bytes", "created_at")
    list_filter = ("status", "owner__plan", "created_at")
    search_fields = ("title", "owner__username", "owner__email")
    list_select_related = ("owner",)
    readonly_fields = ("size_bytes", "duration_seconds", "width", "height", "created_at")

    @admin.display(description="тариф", ordering="owner__plan")
    def owner_plan(self, obj: Clip) -> str:
        return obj.owner.get_plan_display()
