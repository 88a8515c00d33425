"""Small server-rendered charts of the stats history (inline SVG, no script)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# Size of the sparkline in CSS pixels; PAD keeps the stroke inside the box at the extremes.
SPARKLINE_WIDTH = 120
SPARKLINE_HEIGHT = 28
SPARKLINE_PAD = 2


@dataclass(frozen=True)
class Sparkline:
    points: str  # the SVG polyline's ``points``: "x,y x,y …", oldest first
    last_x: str
    last_y: str
    label: str  # «Просмотры: 120 → 480 за 3 дня»
    width: int = SPARKLINE_WIDTH
    height: int = SPARKLINE_HEIGHT


def _plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def period_label(period: timedelta) -> str:
    """«3 дня», «21 час», «5 минут»: the span a chart covers, rounded to its largest unit;
    empty under a minute."""
    seconds = period.total_seconds()
    if seconds < 60:
        return ""
    if seconds >= 86400:
        n = round(seconds / 86400)
        return f"{n} {_plural(n, 'день', 'дня', 'дней')}"
    if seconds >= 3600:
        n = round(seconds / 3600)
        return f"{n} {_plural(n, 'час', 'часа', 'часов')}"
    n = round(seconds / 60)
    return f"{n} {_plural(n, 'минуту', 'минуты', 'минут')}"


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def views_sparkline(history: Sequence[tuple[datetime, int]]) -> Sparkline | None:
    """A sparkline of views over ``history`` ((collected_at, views), oldest first).

    None for fewer than two points: one figure is not a trend. The x axis is time, so uneven
    sync intervals do not distort the curve; points collected at the same moment fall back to
    even spacing. A flat series is drawn along the middle.
    """
    if len(history) < 2:
        return None
    first_at, last_at = history[0][0], history[-1][0]
    span = (last_at - first_at).total_seconds()
    views = [v for _, v in history]
    low, high = min(views), max(views)
    inner_w = SPARKLINE_WIDTH - 2 * SPARKLINE_PAD
    inner_h = SPARKLINE_HEIGHT - 2 * SPARKLINE_PAD

    coords: list[tuple[str, str]] = []
    for i, (at, value) in enumerate(history):
        share = (at - first_at).total_seconds() / span if span > 0 else i / (len(history) - 1)
        x = SPARKLINE_PAD + share * inner_w
        # SVG's y grows downwards: the highest figure is at the top.
        level = (value - low) / (high - low) if high > low else 0.5
        y = SPARKLINE_PAD + (1 - level) * inner_h
        coords.append((_number(x), _number(y)))

    label = f"Просмотры: {views[0]} → {views[-1]}"
    if period := period_label(last_at - first_at):
        label += f" за {period}"
    return Sparkline(
        points=" ".join(f"{x},{y}" for x, y in coords),
        last_x=coords[-1][0],
        last_y=coords[-1][1],
        label=label,
    )
