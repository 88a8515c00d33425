"""Writes for users: changing a plan."""

from __future__ import annotations

from clipmaker.accounts.models import Plan, User
from clipmaker.logging import log_event


def user_plan_change(*, user: User, plan: str, changed_by: User | None = None) -> bool:
    """Put ``user`` on ``plan``; False when already on it.

    Nothing is cancelled here: a publication the new plan no longer allows is cancelled by the
    engine when its attempt starts («Публикация недоступна на вашем тарифе»), and refused at
    create and retry. The admin shows which ones before the change is applied.
    """
    plan = Plan(plan)
    if user.plan == plan:
        return False
    old = user.plan
    User.objects.filter(pk=user.pk).update(plan=plan)
    user.plan = plan
    log_event(
        "user_plan_changed",
        user_id=user.pk,
        old_plan=str(old),
        new_plan=str(plan),
        changed_by=changed_by.pk if changed_by else None,
    )
    return True
