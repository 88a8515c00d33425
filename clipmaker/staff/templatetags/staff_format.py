"""Short Russian renderings of the overview's figures."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def seconds(value: float | None) -> str:
    """4 с, 2 мин 5 с, 1 ч 3 мин; «—» when there is no figure."""
    if value is None:
        return "—"
    total = round(float(value))
    if total < 60:
        return f"{float(value):.1f} с" if value < 10 else f"{total} с"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} мин {secs} с" if secs else f"{minutes} мин"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} ч {minutes} мин" if minutes else f"{hours} ч"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"
