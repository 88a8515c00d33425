"""Support staff's view of clips: owner and plan, and what was published where."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from clipmaker.clips.models import Clip, ClipUpload
from clipmaker.clips.resumable import upload_terminate
from publishing.clip_changes import BUSY_STATUSES, clip_delete
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

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """A clip with a publication queued or publishing is shown as protected: the admin then
        refuses to delete it, as the pages and the API do."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        busy = Publication.objects.filter(clip__in=list(objs), status__in=BUSY_STATUSES)
        protected = list(protected) + [
            f"Публикация #{pub.pk} клипа «{pub.clip.title}»: {pub.get_status_display().lower()}"
            " — дождитесь окончания или отмените её"
            for pub in busy.select_related("clip")
        ]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Clip) -> None:
        clip_delete(clip=obj, by=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Clip]) -> None:
        for clip in queryset:
            clip_delete(clip=clip, by=request.user)  # type: ignore[arg-type]


@admin.register(ClipUpload)
class ClipUploadAdmin(admin.ModelAdmin):
    """Resumable uploads: how far each got; unfinished ones can be removed with their bytes."""

    list_display = ("filename", "owner", "offset", "length", "clip", "updated_at")
    list_filter = ("updated_at",)
    search_fields = ("filename", "owner__username")
    list_select_related = ("owner", "clip")
    readonly_fields = (
        "id",
        "owner",
        "filename",
        "title",
        "description",
        "length",
        "offset",
        "clip",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: ClipUpload) -> None:
        upload_terminate(upload=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ClipUpload]) -> None:
        for upload in queryset:
            upload_terminate(upload=upload)
