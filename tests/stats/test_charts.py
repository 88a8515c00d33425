"""Sparklines of the stats history: geometry and the Russian label."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stats.charts import period_label, views_sparkline

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def test_no_sparkline_for_fewer_than_two_points():
    assert views_sparkline([]) is None
    assert views_sparkline([(T0, 100)]) is None


def test_x_follows_time_and_y_puts_the_highest_figure_at_the_top():
    chart = views_sparkline(
        [(T0, 0), (T0 + timedelta(hours=1), 100), (T0 + timedelta(hours=4), 50)]
    )

    assert chart is not None
    assert chart.points == "2,26 31,2 118,14"
    assert (chart.last_x, chart.last_y) == ("118", "14")


def test_a_flat_series_runs_along_the_middle():
    chart = views_sparkline([(T0, 7), (T0 + timedelta(days=1), 7)])
    assert chart is not None
    assert chart.points == "2,14 118,14"


def test_points_collected_at_the_same_moment_are_spaced_evenly():
    chart = views_sparkline([(T0, 1), (T0, 2), (T0, 3)])
    assert chart is not None
    assert chart.points == "2,26 60,14 118,2"
    assert chart.label == "Просмотры: 1 → 3"


def test_label_names_first_and_last_views_and_the_period():
    chart = views_sparkline([(T0, 120), (T0 + timedelta(days=3), 480)])
    assert chart is not None
    assert chart.label == "Просмотры: 120 → 480 за 3 дня"


@pytest.mark.parametrize(
    ("period", "text"),
    [
        (timedelta(seconds=30), ""),
        (timedelta(minutes=1), "1 минуту"),
        (timedelta(minutes=3), "3 минуты"),
        (timedelta(minutes=45), "45 минут"),
        (timedelta(hours=1), "1 час"),
        (timedelta(hours=2), "2 часа"),
        (timedelta(hours=11), "11 часов"),
        (timedelta(hours=21), "21 час"),
        (timedelta(days=1), "1 день"),
        (timedelta(days=3, hours=2), "3 дня"),
        (timedelta(days=12), "12 дней"),
        (timedelta(days=22), "22 дня"),
    ],
)
def test_period_label_uses_russian_plural_forms(period, text):
    assert period_label(period) == text
