"""Server-rendered charts of the stats history (inline SVG, no script): the sparkline of a
publication row and the clip page's views-over-time chart with axes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

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


# --- the clip page's chart: views over time, one line per platform ----------------------------

# The plot's own coordinates; the SVG stretches to its box (preserveAspectRatio="none") and the
# axis labels are HTML placed in percent, so text stays legible from 375 px to a wide screen.
PLOT_WIDTH = 1000
PLOT_HEIGHT = 300
MAX_POINTS = 400  # per line: more than a screen can show
MAX_X_TICKS = 4
X_STEPS = (
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(days=1),
    timedelta(days=2),
    timedelta(days=7),
    timedelta(days=14),
    timedelta(days=30),
    timedelta(days=91),
    timedelta(days=182),
    timedelta(days=365),
)


@dataclass(frozen=True)
class Tick:
    position: str  # percent along the axis, from the left (x) or the bottom (y)
    label: str
    sub: str = ""  # x axis: the date under a time when the day changes
    at: str = ""  # y axis: the grid line's y in plot coordinates
    edge: str = ""  # x axis: "end" for a label at the right edge (drawn to its left)


@dataclass(frozen=True)
class ChartLine:
    key: str  # the platform: its colour in the stylesheet
    label: str
    points: str  # the SVG polyline's ``points`` in plot coordinates
    last: int


@dataclass(frozen=True)
class ViewsChart:
    lines: list[ChartLine]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    label: str  # the whole chart in words, for screen readers
    width: int = PLOT_WIDTH
    height: int = PLOT_HEIGHT


def compact_number(value: int) -> str:
    """«950», «12 400», «125 тыс.», «1,2 млн»: axis labels short enough for a phone."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}".replace(".", ",").removesuffix(",0") + " млн"
    if value >= 100_000:
        return f"{round(value / 1000)} тыс."
    return f"{value:,}".replace(",", "\u00a0")


def _nice_step(raw: float) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ not below ``raw``."""
    if raw <= 1:
        return 1
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def _y_ticks(high: int) -> tuple[int, list[Tick]]:
    step = _nice_step(high / 4)
    top = max(step, step * math.ceil(high / step))
    ticks = []
    for value in range(0, top + 1, step):
        share = value / top
        ticks.append(
            Tick(
                position=_number(share * 100),
                label=compact_number(value),
                at=_number(PLOT_HEIGHT * (1 - share)),
            )
        )
    return top, ticks


def _x_ticks(start: datetime, end: datetime, tz: tzinfo) -> list[Tick]:
    span = end - start
    step = next((s for s in X_STEPS if span / s <= MAX_X_TICKS), X_STEPS[-1])
    local_start = start.astimezone(tz)
    midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    # The first tick on the step's grid from local midnight, then every step.
    skipped = math.ceil((local_start - midnight) / step)
    at = midnight + skipped * step
    ticks: list[Tick] = []
    last_day = None
    while at <= end:
        local = at.astimezone(tz)
        share = (at - start) / span
        if step >= timedelta(days=1):
            label, sub = f"{local:%d.%m}", ""
        else:
            label = f"{local:%H:%M}"
            sub = f"{local:%d.%m}" if local.date() != last_day else ""
        last_day = local.date()
        edge = "end" if share > 0.9 else ""
        ticks.append(Tick(position=_number(share * 100), label=label, sub=sub, edge=edge))
        at += step
    return ticks


def _thin_points(history: Sequence[tuple[datetime, int]]) -> Sequence[tuple[datetime, int]]:
    if len(history) <= MAX_POINTS:
        return history
    every = math.ceil(len(history) / MAX_POINTS)
    return [*history[:-1:every], history[-1]]


def views_chart(
    lines: Sequence[tuple[str, str, Sequence[tuple[datetime, int]]]], *, tz: tzinfo
) -> ViewsChart | None:
    """A line chart of views over time: ``lines`` are (key, label, [(moment, views)…]) with
    the points oldest first. None when there is nothing to draw."""
    drawn = [(key, label, points) for key, label, points in lines if points]
    if not drawn:
        return None
    start = min(points[0][0] for _, _, points in drawn)
    end = max(points[-1][0] for _, _, points in drawn)
    if end - start < timedelta(minutes=1):
        end = start + timedelta(minutes=1)
    span = (end - start).total_seconds()
    top, y_ticks = _y_ticks(max(views for _, _, points in drawn for _, views in points))
    chart_lines = []
    for key, label, points in drawn:
        coords = " ".join(
            f"{_number((at - start).total_seconds() / span * PLOT_WIDTH)},"
            f"{_number(PLOT_HEIGHT * (1 - views / top))}"
            for at, views in _thin_points(points)
        )
        chart_lines.append(ChartLine(key=key, label=label, points=coords, last=points[-1][1]))
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    summary = ", ".join(f"{line.label} {compact_number(line.last)}" for line in chart_lines)
    return ViewsChart(
        lines=chart_lines,
        x_ticks=_x_ticks(start, end, tz),
        y_ticks=y_ticks,
        label=(
            f"Просмотры по платформам с {local_start:%d.%m %H:%M} по {local_end:%d.%m %H:%M}: "
            f"{summary}"
        ),
    )
