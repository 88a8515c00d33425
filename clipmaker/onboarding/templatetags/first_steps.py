"""``{% first_steps %}``: the guide for a new user, on the clip list and the settings page;
gone once the first clip is published."""

from __future__ import annotations

from typing import Any

from django import template

from clipmaker.onboarding.selectors import first_steps as first_steps_of

register = template.Library()


@register.inclusion_tag("onboarding/_first_steps.html", takes_context=True)
def first_steps(context: Any) -> dict[str, Any]:
    user = context["request"].user
    guide = first_steps_of(user=user) if user.is_authenticated else None
    return {"guide": guide}
