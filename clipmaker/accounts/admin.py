"""Support staff's view of users with their plan and time zone."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from knox.models import AuthToken

from clipmaker.accounts.models import User
from clipmaker.accounts.tokens import token_short_id
from platforms.connect_limit import connect_limit_reset

admin.site.site_header = "КлипМейкер — поддержка"
admin.site.site_title = "КлипМейкер"
admin.site.index_title = "Публикации, клипы, подключения и пользователи"


@admin.action(description="Сбросить лимит подключений платформ")
def reset_connect_limit(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any) -> None:
    """Lift a connect lock-out: the users' completed connect attempts of the last hour are
    forgotten on every platform."""
    users = list(queryset)
    forgotten = sum(connect_limit_reset(user=user) for user in users)
    modeladmin.message_user(
        request,
        f"Лимит подключений сброшен у пользователей: {len(users)} "
        f"(забыто попыток: {forgotten}). Они могут подключать платформы снова.",
    )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    actions: Any = (reset_connect_limit,)
    list_display = (
        "username",
        "email",
        "plan",
        "destination_limit",
        "time_zone",
        "clip_count",
        "is_staff",
        "date_joined",
    )
    list_filter = ("plan", "is_staff", "is_active")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Тариф", {"fields": ("plan", "destination_limit", "time_zone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Тариф", {"fields": ("plan", "destination_limit", "time_zone")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).annotate(_clip_count=Count("clips"))

    @admin.display(description="клипов", ordering="_clip_count")
    def clip_count(self, obj: User) -> int:
        return obj._clip_count  # type: ignore[attr-defined]


# knox's own admin can create a token for a user and shows it to staff; support only looks and
# revokes here (a token is shown once, to its owner, on «Настройки → Безопасность»).
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("short_id", "user", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    fields = ("short_id", "user", "created", "expiry")
    readonly_fields = fields
    ordering = ("-created",)

    @admin.display(description="токен")
    def short_id(self, obj: AuthToken) -> str:
        return f"{token_short_id(obj)}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuthToken | None = None) -> bool:
        return False
