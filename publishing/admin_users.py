"""The users' admin with «Сменить тариф…»: before a plan changes, staff see which of the user's
scheduled, queued and failed publications the new plan will no longer allow.

It lives here, not in ``clipmaker.accounts``, because it reads publications: accounts never
imports publishing. ``publishing/admin.py`` imports this module, and it re-registers the User
admin that accounts defines with this action added.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from clipmaker.accounts.admin import UserAdmin
from clipmaker.accounts.models import Plan, User, plan_allows
from clipmaker.accounts.services import user_plan_change
from platforms.providers import platform_label, platform_values
from publishing.selectors import publications_blocked_by_plan

CONFIRM = "confirm"


def _allowed_label(plan: str) -> str:
    allowed = [platform_label(p) for p in platform_values() if plan_allows(plan, p)]
    return ", ".join(allowed) if allowed else "никуда"


@admin.action(description="Сменить тариф…", permissions=["change"])
def change_plan(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
) -> HttpResponse | None:
    """Choose a plan → see what it blocks per user → apply."""
    plan = request.POST.get("plan", "")
    users = list(queryset.order_by("username"))
    if plan in Plan.values and request.POST.get(CONFIRM) == "1":
        changed = 0
        for user in users:
            blocked = publications_blocked_by_plan(user=user, plan=plan).count()
            if user_plan_change(user=user, plan=plan, changed_by=request.user):  # type: ignore[arg-type]
                changed += 1
                if blocked:
                    modeladmin.message_user(
                        request,
                        f"{user.username}: публикаций, которые тариф {Plan(plan).label} не "
                        f"разрешает, — {blocked}; при запуске они будут отменены.",
                        messages.WARNING,
                    )
        modeladmin.message_user(
            request, f"Тариф {Plan(plan).label} установлен: {changed}", messages.SUCCESS
        )
        return None
    previews = []
    if plan in Plan.values:
        previews = [
            {
                "user": user,
                "same": user.plan == plan,
                "blocked": list(publications_blocked_by_plan(user=user, plan=plan)[:200]),
            }
            for user in users
        ]
    context: dict[str, Any] = {
        **modeladmin.admin_site.each_context(request),
        "title": "Сменить тариф",
        "opts": modeladmin.model._meta,
        "users": users,
        "plans": Plan.choices,
        "plan": plan if plan in Plan.values else "",
        "plan_label": Plan(plan).label if plan in Plan.values else "",
        "allowed": _allowed_label(plan) if plan in Plan.values else "",
        "previews": previews,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/accounts/user/change_plan.html", context)


class PlanChangeUserAdmin(UserAdmin):
    actions = (*UserAdmin.actions, change_plan)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        # An existing user's plan changes only through «Сменить тариф…», which shows first
        # what the new plan will stop.
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "plan") if obj is not None else fields


admin.site.unregister(User)
admin.site.register(User, PlanChangeUserAdmin)
