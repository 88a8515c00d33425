"""Charts of the stats history: the sparkline and the clip page's views chart (geometry, axes,
labels)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from stats.charts import compact_number, period_label, views_chart, views_sparkline

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


# --- the clip page's views chart ---------------------------------------------------------------

MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (950, "950"),
        (12_400, "12\u00a0400"),
        (125_000, "125 тыс."),
        (1_000_000, "1 млн"),
        (1_250_000, "1,2 млн"),
    ],
)
def test_axis_numbers_are_short_and_russian(value, text):
    assert compact_number(value) == text


def test_no_chart_without_points():
    assert views_chart([], tz=MSK) is None
    assert views_chart([("vk", "VK", [])], tz=MSK) is None


def test_y_axis_runs_from_zero_to_a_round_top_in_even_steps():
    chart = views_chart([("vk", "VK", [(T0, 0), (T0 + timedelta(hours=1), 480)])], tz=MSK)

    assert chart is not None
    assert [(t.label, t.position, t.at) for t in chart.y_ticks] == [
        ("0", "0", "300"),
        ("200", "33.3", "200"),
        ("400", "66.7", "100"),
        ("600", "100", "0"),
    ]


def test_lines_follow_time_and_views_on_a_shared_scale():
    chart = views_chart(
        [
            ("vk", "VK", [(T0, 0), (T0 + timedelta(hours=2), 300)]),
            ("dzen", "Дзен", [(T0 + timedelta(hours=1), 0), (T0 + timedelta(hours=4), 150)]),
        ],
        tz=MSK,
    )

    assert chart is not None
    vk, dzen = chart.lines
    # 4 hours across 1000 units; 300 views is the top of a 0-300 axis (300 units high).
    assert vk.points == "0,300 500,0"
    assert dzen.points == "250,300 1000,150"
    assert (vk.label, vk.last, dzen.last) == ("VK", 300, 150)
    assert chart.label == ("Просмотры по платформам с 01.01 15:00 по 01.01 19:00: VK 300, Дзен 150")


def test_days_on_the_x_axis_fall_on_local_midnights():
    start = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
    chart = views_chart([("vk", "VK", [(start, 1), (start + timedelta(days=3), 9)])], tz=MSK)

    assert chart is not None
    assert [(t.label, t.position) for t in chart.x_ticks] == [
        ("02.03", "16.7"),
        ("03.03", "50"),
        ("04.03", "83.3"),
    ]


def test_minutes_on_the_x_axis_carry_the_date_under_the_first_time():
    start = datetime(2030, 3, 1, 20, 58, tzinfo=UTC)  # 23:58 in Moscow
    chart = views_chart([("vk", "VK", [(start, 1), (start + timedelta(minutes=10), 9)])], tz=MSK)

    assert chart is not None
    assert [(t.label, t.sub) for t in chart.x_ticks] == [
        ("00:00", "02.03"),
        ("00:05", ""),
    ]


def test_a_label_at_the_right_edge_is_drawn_to_its_left():
    start = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    chart = views_chart([("vk", "VK", [(start, 1), (start + timedelta(hours=3), 9)])], tz=MSK)
    assert chart is not None
    assert chart.x_ticks[-1].label == "15:00" and chart.x_ticks[-1].edge == "end"
    assert chart.x_ticks[0].edge == ""


def test_long_histories_are_thinned_for_drawing_but_keep_their_last_point():
    points = [(T0 + timedelta(minutes=i), i) for i in range(1000)]
    chart = views_chart([("vk", "VK", points)], tz=MSK)
    assert chart is not None
    drawn = chart.lines[0].points.split()
    assert len(drawn) <= 401
    assert drawn[-1].startswith("1000,")
