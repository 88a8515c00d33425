"""Support staff's view of publications: find one, see why it failed, retry or cancel it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from publishing import admin_users  # noqa: F401 - registers the User admin with «Сменить тариф…»
from publishing.models import Publication
from publishing.services import PublicationStateError, publication_cancel, publication_retry


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
