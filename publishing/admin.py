"""Support staff's view of publications: find one, see why it failed, retry or cancel it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from clipmaker.planner.forms import RescheduleForm
from publishing import admin_users  # noqa: F401 - registers the User admin with «Сменить тариф…»
from publishing.models import Publication, PublicationStatus
from publishing.presenters import time_zone_label, user_time_zone
from publishing.services import (
    PublicationStateError,
    PublicationValidationError,
    publication_cancel,
    publication_reschedule,
    publication_retry,
)


def _apply(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Publication],
    service: Callable[..., Any],
    done: str,
) -> None:
    """Run a service on each selected row; a row it refuses is reported, not fatal."""
    ok = 0
    for publication in queryset.select_related("clip"):
        try:
            service(publication=publication)
        except PublicationStateError as exc:
            modeladmin.message_user(request, f"#{publication.pk}: {exc}", messages.WARNING)
        else:
            ok += 1
    if ok:
        modeladmin.message_user(request, f"{done}: {ok}", messages.SUCCESS)


@admin.action(description="Повторить выбранные публикации")
def retry_publications(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Publication]
) -> None:
    _apply(modeladmin, request, queryset, publication_retry, "Поставлено в очередь снова")


@admin.action(description="Отменить выбранные публикации")
def cancel_publications(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Publication]
) -> None:
    _apply(modeladmin, request, queryset, publication_cancel, "Отменено")


def _grants_access(key: str) -> bool:
    return "url" in key or "key" in key or "token" in key or "secret" in key


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "clip",
        "owner",
        "platform",
        "destination",
        "vk_mode",
        "status",
        "attempts",
        "scheduled_at",
        "next_attempt_at",
        "published_at",
        "short_error",
        "created_at",
    )
    list_filter = ("status", "platform", "vk_mode", "created_at", "scheduled_at", "published_at")
    search_fields = (
        "=id",
        "clip__title",
        "clip__owner__username",
        "clip__owner__email",
        "platform_video_id",
        "destination__name",
        "destination__custom_name",
    )
    list_select_related = ("clip", "clip__owner", "destination", "destination__connection")
    date_hierarchy = "created_at"
    actions = (retry_publications, cancel_publications)
    raw_id_fields = ("clip", "created_by")
    exclude = ("platform_handle",)  # shown by handle(), without its upload URL and keys
    # Support looks, the services change: nothing here edits the lifecycle by hand.
    readonly_fields = (
        "clip",
        "platform",
        "destination",
        "vk_mode",
        "status",
        "scheduled_at",
        "reschedule_link",
        "queued_at",
        "next_attempt_at",
        "enqueued_at",
        "started_at",
        "published_at",
        "finished_at",
        "attempts",
        "claim_token",
        "lease_expires_at",
        "cancel_requested_at",
        "texts",
        "sent_title",
        "sent_description",
        "handle",
        "platform_video_id",
        "platform_url",
        "error_message",
        "error_code",
        "bytes_sent",
        "bytes_total",
        "views",
        "likes",
        "comments",
        "shares",
        "stats_updated_at",
        "created_by",
        "created_at",
        "updated_at",
    )

    @admin.display(description="описатель видео на платформе")
    def handle(self, obj: Publication) -> str:
        """The stored handle without what grants access (upload URLs, access keys)."""
        if obj.platform_handle is None:
            return "—"
        shown = {
            key: ("скрыто" if _grants_access(key) else value)
            for key, value in (obj.platform_handle.get("data") or {}).items()
        }
        return json.dumps(
            {"id": obj.platform_handle.get("id"), "data": shown}, ensure_ascii=False, indent=1
        )

    @admin.display(description="пользователь", ordering="clip__owner__username")
    def owner(self, obj: Publication) -> str:
        return obj.clip.owner.username

    @admin.display(description="ошибка")
    def short_error(self, obj: Publication) -> str:
        text = obj.error_message or ""
        return text if len(text) <= 80 else text[:79] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Publications are created by publication_create, which checks plan, connection and size.
        return False

    @admin.display(description="перенести")
    def reschedule_link(self, obj: Publication) -> str:
        if obj.status != PublicationStatus.SCHEDULED:
            return "—"
        url = reverse("admin:publishing_publication_reschedule", args=[obj.pk])
        return format_html('<a href="{}">Перенести на другое время…</a>', url)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:publication_id>/reschedule/",
                self.admin_site.admin_view(self.reschedule_view),
                name="publishing_publication_reschedule",
            )
        ]
        return own + super().get_urls()

    def reschedule_view(self, request: HttpRequest, publication_id: int) -> HttpResponse:
        """Move a scheduled publication for the user, through the same service and checks as
        the calendar (the time is read in the user's time zone)."""
        publication = (
            Publication.objects.select_related("clip__owner", "destination__connection")
            .filter(pk=publication_id)
            .first()
        )
        if publication is None or not self.has_change_permission(request, publication):
            raise Http404("Публикация не найдена")
        tz = user_time_zone(publication.clip.owner)
        errors: list[str] = []
        form = RescheduleForm(request.POST or None, tz=tz)
        if request.method == "POST":
            if form.is_valid():
                try:
                    publication_reschedule(
                        publication=publication, scheduled_at=form.cleaned_data["scheduled_at"]
                    )
                except PublicationStateError as exc:
                    errors = [exc.message]
                except PublicationValidationError as exc:
                    errors = [m for msgs in exc.errors.values() for m in msgs]
                else:
                    self.message_user(request, "Публикация перенесена.", messages.SUCCESS)
                    return redirect("admin:publishing_publication_change", publication.pk)
            else:
                errors = [str(m) for msgs in form.errors.values() for m in msgs]
        current = (
            timezone.localtime(publication.scheduled_at, tz) if publication.scheduled_at else None
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Перенести публикацию",
            "publication": publication,
            "errors": errors,
            "tz_label": time_zone_label(tz),
            "current": f"{current:%d.%m.%Y %H:%M}" if current else "—",
            "value": request.POST.get("scheduled_at")
            or (f"{current:%Y-%m-%dT%H:%M}" if current else ""),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/publishing/publication/reschedule.html", context)
