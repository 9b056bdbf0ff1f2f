"""The trend PNG's figure: distinct colours, axes fitted to the data, ticks on period starts, partial periods
marked and named, share in percent, a source line; and the interactive .html plot."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import matplotlib.colors as mcolors
import pandas as pd
import pytest
from matplotlib.dates import num2date
from matplotlib.lines import Line2D
from matplotlib.text import Text

from tickerhouse.trends import PALETTE, Coverage, topic_colours, topic_labels, trend_figure, write_plot

# 393 snapshots from Sunday 1 December 01:00 to Wednesday 25 December 22:00 (the bundled sample)
COVER = Coverage(
    snapshots=393,
    first_capture=datetime(2024, 12, 1, 1, 0),
    last_capture=datetime(2024, 12, 25, 22, 0),
    editions=("fr", "ar"),
    taxonomy_versions=("2026.12.01.1",),
)
SOURCE = (
    "Source: Maghress ticker, FR+AR, 393 snapshots, 2024-12-01 01:00 – 2024-12-25 22:00 "
    "(Africa/Casablanca), taxonomy 2026.12.01.1"
)


def _series(starts: list[date], topics: list[str]) -> pd.DataFrame:
    rows = [
        {
            "period_start": pd.Timestamp(s), "topic": t, "share": (i + 1) / 40 + k / 200, "slots": i + k,
            "headlines": i, "all_slots": 400, "snapshots": 16,
        }
        for k, s in enumerate(starts)
        for i, t in enumerate(topics)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def _days(first: date, last: date, step: int = 1) -> list[date]:
    return [first + timedelta(days=d) for d in range(0, (last - first).days + 1, step)]


def _lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in mcolors.to_rgb(colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _min_distance(colours: list[str]) -> float:
    return min(
        sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5
        for a, b in itertools.combinations(colours, 2)
    )


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


def _topic_lines(ax) -> dict[str, Line2D]:
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


def _tick_days(ax) -> list[date]:
    return [num2date(t).date() for t in ax.get_xticks()]


def _hollow_days(ax) -> set[date]:
    return {
        pd.Timestamp(x).date()
        for line in ax.get_lines()
        if line.get_markerfacecolor() == "white"
        for x in line.get_xdata()
    }


def test_the_palette_keeps_fifteen_topics_apart():
    topics = list(topic_labels())
    assert len(topics) == 15
    colours = list(topic_colours(topics).values())
    assert len(set(colours)) == 15
    assert _min_distance(colours) > 20  # CIE76; about 10 is easy to confuse on a thin line
    assert _min_distance(list(PALETTE)) > 20
    # a topic keeps its colour whatever else is drawn
    assert topic_colours(["football"]) == {"football": topic_colours(topics)["football"]}


def test_fifteen_topics_get_a_panel_each_in_their_own_colour():
    topics = list(topic_labels())
    fig = trend_figure(_series(_days(date(2024, 12, 1), date(2024, 12, 25)), topics), "day", COVER)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 15
    drawn = {}
    for ax in panels:
        (topic, line), *others = _topic_lines(ax).items()
        assert not others and topic in ax.get_title(loc="left")
        drawn[topic] = mcolors.to_hex(line.get_color())
    assert drawn == topic_colours(topics)


def test_a_few_topics_share_one_chart_with_distinct_colours():
    topics = ["defense", "football", "economy"]
    fig = trend_figure(_series(_days(date(2024, 12, 1), date(2024, 12, 25)), topics), "day", COVER)
    (ax,) = fig.axes
    lines = _topic_lines(ax)
    assert sorted(lines) == sorted(topics)
    assert len({mcolors.to_hex(line.get_color()) for line in lines.values()}) == 3
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:3] == topics  # taxonomy order


def test_one_month_of_data_is_one_partial_month_on_a_fitted_axis():
    fig = trend_figure(_series([date(2024, 12, 1)], ["defense", "football"]), "month", COVER)
    (ax,) = fig.axes
    lo, hi = (num2date(v).replace(tzinfo=None) for v in ax.get_xlim())
    # within a period either side of the one month, not a 2023-2027 axis
    assert datetime(2024, 11, 1) <= lo < datetime(2024, 12, 1) < hi <= datetime(2025, 1, 1)
    assert _tick_days(ax) == [date(2024, 12, 1)]
    assert _hollow_days(ax) == {date(2024, 12, 1)}  # data to the 25th only: partial
    assert "partial month" in _texts(fig)


def test_weeks_tick_on_mondays_and_the_partial_first_and_last_weeks_are_hollow_and_named():
    mondays = _days(date(2024, 11, 25), date(2024, 12, 23), 7)
    fig = trend_figure(_series(mondays, ["defense", "football"]), "week", COVER)
    (ax,) = fig.axes
    ticks = _tick_days(ax)
    assert ticks == mondays and all(t.weekday() == 0 for t in ticks)
    lo, hi = (num2date(v).replace(tzinfo=None) for v in ax.get_xlim())
    assert datetime(2024, 11, 18) <= lo and hi <= datetime(2024, 12, 30)
    # Sunday 1 December opens the first week, Wednesday 25 December ends the last
    assert _hollow_days(ax) == {date(2024, 11, 25), date(2024, 12, 23)}
    assert len(ax.patches) == 2  # the two shaded bands
    legend = "\n".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "partial week" in legend and "2024-11-25, 2024-12-23" in legend


def test_days_tick_on_mondays_past_two_weeks_and_none_is_partial():
    days = _days(date(2024, 12, 1), date(2024, 12, 25))
    fig = trend_figure(_series(days, ["defense"]), "day", COVER)
    (ax,) = fig.axes
    assert _tick_days(ax) == [date(2024, 12, 2), date(2024, 12, 9), date(2024, 12, 16), date(2024, 12, 23)]
    lo, hi = (num2date(v).replace(tzinfo=None) for v in ax.get_xlim())
    assert datetime(2024, 11, 30) <= lo and hi <= datetime(2024, 12, 26)
    assert _hollow_days(ax) == set()


def test_share_is_in_percent_and_the_source_line_is_printed():
    fig = trend_figure(_series(_days(date(2024, 12, 1), date(2024, 12, 7)), ["defense"]), "day", COVER)
    (ax,) = fig.axes
    formatter = ax.yaxis.get_major_formatter()
    assert formatter(0.25, 0) == "25%" and formatter(0.125, 0) == "12.5%"
    assert "share of ticker slots (%)" in _texts(fig)
    assert SOURCE in _texts(fig)
    assert COVER.source_line() == SOURCE


def test_the_html_plot_is_the_interactive_chart_and_other_suffixes_are_refused(tmp_path):
    series = _series(_days(date(2024, 11, 25), date(2024, 12, 23), 7), ["defense", "football"])
    write_plot(series, "week", tmp_path / "t.html", COVER)
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "plotly.js v" in page and "data-figure='attention-chart'" in page
    assert "<img" not in page and SOURCE in page
    write_plot(series, "week", tmp_path / "t.png", COVER)
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=r"\.png or \.html"):
        write_plot(series, "week", tmp_path / "t.svg", COVER)
    assert not (tmp_path / "t.svg").exists()
