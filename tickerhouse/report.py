"""The analyst's report: one self-contained, offline HTML page built from the warehouse.

plotly.js is inlined (no CDN, no request: the page's Content-Security-Policy allows none), every figure is
plotly JSON made safe for a <script> element (`<`, `>`, `/` escaped by plotly.io.to_json), and every text
put in the page's HTML goes through `html.escape`. The queries are the warehouse's own views and saved
queries, and `sql/report/` for what only the report asks.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from tickerhouse.io.storage import write_atomically
from tickerhouse.resources import sql_text
from tickerhouse.trends import (
    BASELINE_DAYS,
    GRAINS,
    PERIOD_DAYS,
    TIMEZONE,
    Coverage,
    coverage,
    ordered_topics,
    partial_periods,
    period_end,
    rising_topics,
    tick_starts,
    topic_colours,
    topic_labels,
    trend_series,
    x_range,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

TEMPLATE = "report_template.html"
# Rising topics: the last week against the four weeks before (a day alone is mostly noise at this volume).
RISING_DAYS = 7
HEADLINES_PER_TOPIC = 10
OUTLETS_SHOWN = 25
# Article volume starts this many weeks before the first capture: the ticker links older articles too.
VOLUME_WEEKS_BEFORE = 12
# Below this many days the attention chart opens per day, above it per week.
DAILY_UP_TO_DAYS = 120
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans Arabic, sans-serif"


# ---------------------------------------------------------------- escaping and formatting


def esc(value: Any) -> str:
    """Return any value as HTML-escaped text (None and NaN as an empty cell)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    return html.escape(str(value), quote=True)


def _pct(share: Any, digits: int = 1) -> str:
    if share is None or pd.isna(share):
        return "–"
    return f"{share * 100:.{digits}f}%"


def _when(value: Any) -> str:
    """`2024-12-03 10:00`, in Africa/Casablanca time (the queries give local times or UTC instants)."""
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    return (stamp.tz_convert(TIMEZONE) if stamp.tzinfo else stamp).strftime("%Y-%m-%d %H:%M")


def _day(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


Column = tuple[str, str, Callable[[Any], str] | None]  # (key, header, formatter)


def _table(frame: pd.DataFrame, columns: list[Column], *, css: str = "", empty: str = "none") -> str:
    """Return an HTML table of `frame`'s columns, every header and cell escaped."""
    if frame.empty:
        return f"<p class='empty'>{esc(empty)}</p>"
    head = "".join(f"<th>{esc(header)}</th>" for _, header, _ in columns)
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for key, _, fmt in columns:
            value = record.get(key)
            text = fmt(value) if fmt else value
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            cells.append(f"<td class='{'num' if numeric else 'text'}' dir='auto'>{esc(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table class='{esc(css)}'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _figure_script(figure_id: str, figure: go.Figure) -> str:
    import plotly.io as pio

    # to_json escapes < > and / in every string, so no text can close the script element
    return f"<script type='application/json' data-figure='{esc(figure_id)}'>{pio.to_json(figure)}</script>"


# ---------------------------------------------------------------- the attention chart


def _grain_state(frame: pd.DataFrame, by: str, topics: list[str], cover: Coverage | None) -> dict[str, Any]:
    """Return one grain's trace data and axis layout.

    Traces, in order: one line per topic (every point, the hover), one overlay per topic (white-filled
    markers on the partial periods: hollow), and the legend's key to partial periods.
    """
    frame = frame.assign(period_start=pd.to_datetime(frame["period_start"]).dt.date)
    starts = sorted(set(frame["period_start"]))
    partial = partial_periods(starts, by, cover)
    labels = topic_labels()
    names = [esc(labels.get(t, t)) for t in topics]
    lines_x, lines_y, custom, hollow_x, hollow_y = [], [], [], [], []
    for topic in topics:
        rows = frame[frame["topic"] == topic].sort_values("period_start")
        lines_x.append([s.isoformat() for s in rows["period_start"]])
        lines_y.append([float(v) for v in rows["share"]])
        notes = [f" · partial {by}" if s in partial else "" for s in rows["period_start"]]
        custom.append(
            [
                [int(n) for n in r] + [note]
                for r, note in zip(rows[["slots", "all_slots", "headlines"]].to_numpy(), notes, strict=True)
            ]
        )
        cut = rows[rows["period_start"].isin(partial)]
        hollow_x.append([s.isoformat() for s in cut["period_start"]])
        hollow_y.append([float(v) for v in cut["share"]])
    lo, hi = x_range(starts, by)
    ticks = tick_starts(starts, by)
    if by == "month":
        months = (
            (ticks[1].year - ticks[0].year) * 12 + ticks[1].month - ticks[0].month if len(ticks) > 1 else 1
        )
        dtick: Any = f"M{months}"
    else:
        dtick = ((ticks[1] - ticks[0]).days if len(ticks) > 1 else PERIOD_DAYS[by]) * 86_400_000  # ms
    shapes = [
        {
            "type": "rect", "xref": "x", "yref": "paper", "x0": s.isoformat(),
            "x1": min(datetime.combine(period_end(s, by), datetime.min.time()), hi).isoformat(),
            "y0": 0, "y1": 1, "fillcolor": "#888888", "opacity": 0.12, "line": {"width": 0}, "layer": "below",
        }
        for s in sorted(partial)
    ]  # fmt: skip
    key = f"partial {by} (hollow, shaded): {', '.join(s.isoformat() for s in sorted(partial))}"
    return {
        "data": {
            "x": [*lines_x, *hollow_x, [None]],
            "y": [*lines_y, *hollow_y, [None]],
            "customdata": [*custom, *([[]] * len(topics)), [[]]],
            "name": [*names, *names, esc(key)],
            "showlegend": [*([True] * len(topics)), *([False] * len(topics)), bool(partial)],
        },
        "layout": {
            "xaxis.range": [lo.isoformat(), hi.isoformat()],
            "xaxis.tick0": ticks[0].isoformat(),
            "xaxis.dtick": dtick,
            "xaxis.tickformat": "%b %Y" if by == "month" else "%a %d %b",
            "xaxis.title.text": f"{by} starting{' Monday' if by == 'week' else ''} ({TIMEZONE})",
            "shapes": shapes,
        },
    }


def attention_figure(
    series: dict[str, pd.DataFrame], cover: Coverage | None, initial: str | None = None
) -> go.Figure:
    """Return the interactive chart of topic attention: one line per topic, a button per grain.

    `series` maps grain -> trend_series frame. Hover shows share, slots and headlines; a legend click
    hides a topic (a double click keeps it alone); the range slider and buttons zoom to a period.
    Partial first/last periods are hollow markers on a shaded band, named in the legend.
    """
    import plotly.graph_objects as go

    grains = [g for g in GRAINS if g in series and not series[g].empty]
    if not grains:
        raise ValueError("nothing to plot: no ticker data")
    initial = initial if initial in grains else grains[0]
    topics = ordered_topics([t for g in grains for t in series[g]["topic"]])
    labels = topic_labels()
    colours = topic_colours(topics)
    states = {g: _grain_state(series[g], g, topics, cover) for g in grains}
    data = states[initial]["data"]
    n = len(topics)

    fig = go.Figure()
    for i, topic in enumerate(topics):
        label = esc(labels.get(topic, topic))
        fig.add_trace(
            go.Scatter(
                x=data["x"][i], y=data["y"][i], customdata=data["customdata"][i], mode="lines+markers",
                name=label, meta=topic, legendgroup=topic,
                line={"color": colours[topic], "width": 2}, marker={"size": 6, "color": colours[topic]},
                hovertemplate=(
                    f"{label} ({esc(topic)}): %{{y:.1%}} · %{{customdata[0]}} of %{{customdata[1]}} slots"
                    " · %{customdata[2]} headlines%{customdata[3]}<extra></extra>"
                ),
            )
        )  # fmt: skip
    for i, topic in enumerate(topics):
        fig.add_trace(
            go.Scatter(
                x=data["x"][n + i], y=data["y"][n + i], mode="markers", meta=f"{topic}:partial",
                legendgroup=topic, showlegend=False, hoverinfo="skip",
                marker={"size": 9, "color": "white", "line": {"color": colours[topic], "width": 2}},
            )
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=[None], y=[None], mode="markers", name=data["name"][-1], meta="partial",
            showlegend=data["showlegend"][-1], hoverinfo="skip",
            marker={"size": 9, "color": "white", "line": {"color": "#555555", "width": 2}},
        )
    )  # fmt: skip
    # every trace is restyled in full (in a restyle array, null resets an attribute to its default)
    buttons = [
        {
            "label": f"per {g}",
            "method": "update",
            "args": [state["data"], state["layout"], list(range(2 * n + 1))],
        }
        for g, state in states.items()
    ]
    fig.update_layout(
        template="plotly_white",
        height=560,
        margin={"l": 60, "r": 20, "t": 70, "b": 40},
        hovermode="x unified",
        hoverdistance=-1,  # the nearest period, however far: a few points can be far apart
        font={"family": FONT, "size": 12},
        legend={
            "title": {"text": "topic (click: hide · double-click: only this)"},
            "itemclick": "toggle",
            "tracegroupgap": 2,
        },
        yaxis={"title": {"text": "share of ticker slots"}, "tickformat": ".0%", "rangemode": "tozero"},
        xaxis={
            "type": "date",
            "rangeslider": {"visible": True, "thickness": 0.07},
            "rangeselector": {
                "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom",
                "buttons": [
                    {"count": 7, "label": "last 7 d", "step": "day", "stepmode": "backward"},
                    {"count": 1, "label": "last month", "step": "month", "stepmode": "backward"},
                    {"step": "all", "label": "all"},
                ],
            },
        },
        updatemenus=[
            {
                "type": "buttons", "direction": "right", "x": 0, "xanchor": "left", "y": 1.02,
                "yanchor": "bottom", "showactive": True, "active": grains.index(initial), "buttons": buttons,
                "pad": {"r": 4, "t": 0}, "bgcolor": "#f4f4f4",
            }
        ],
    )  # fmt: skip
    fig.plotly_relayout(states[initial]["layout"])
    return fig


# ---------------------------------------------------------------- the page


def _page(title: str, subtitle: str, body: str, figures: Iterable[tuple[str, go.Figure]]) -> str:
    from plotly.offline import get_plotlyjs

    plotly_js = get_plotlyjs()
    if "</script" in plotly_js.lower():  # would end the element early; not in any release so far
        raise RuntimeError("plotly.js holds '</script': cannot inline it")
    template = Template(files("tickerhouse").joinpath(TEMPLATE).read_text(encoding="utf-8"))
    return template.substitute(
        title=esc(title),
        subtitle=esc(subtitle),
        body=body,
        figures="\n".join(_figure_script(figure_id, figure) for figure_id, figure in figures),
        plotly_js=plotly_js,
    )


def attention_page(series: pd.DataFrame, by: str, cover: Coverage | None = None) -> str:
    """Return the page `tickerhouse trends --plot FILE.html` writes: the report's chart and its data."""
    cover = cover or series.attrs.get("coverage")
    figure = attention_figure({by: series}, cover, by)
    source = cover.source_line() if cover else "Source: Maghress ticker"
    columns: list[Column] = [
        ("period_start", f"{by} starting", _day),
        ("topic", "topic", None),
        ("share", "share of slots", _pct),
        ("slots", "slots", None),
        ("all_slots", "all slots", None),
        ("headlines", "headlines", None),
        ("snapshots", "snapshots", None),
    ]
    body = (
        "<section id='attention'><div id='attention-chart' class='chart'></div>"
        f"<p class='note'>{esc(source)}</p><h2>Data</h2>{_table(series, columns, css='data')}</section>"
    )
    return _page(f"tickerhouse: ticker attention per {by}", source, body, [("attention-chart", figure)])


def _query(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    return con.execute(sql_text(name), params or {}).df()


def fully_tagged(con: duckdb.DuckDBPyConnection) -> pd.Series | None:
    """Return how much of the ticker is fully tagged (sql/report/fully_tagged.sql), None where undefined.

    Fully tagged = the topic model has read the headline (it has a vector: `tickerhouse enrich`), not the
    lexicon alone. A warehouse without the embedding tables has no such notion: None.
    """
    if not con.execute(sql_text("internal/has_table"), {"name": "headline_embeddings"}).fetchall()[0][0]:
        return None
    return _query(con, "report/fully_tagged").iloc[0]


def _section(section_id: str, heading: str, *parts: str) -> str:
    return f"<section id='{esc(section_id)}'><h2>{esc(heading)}</h2>{''.join(parts)}</section>"


def _p(text: str, css: str = "") -> str:
    return f"<p class='{esc(css)}'>{esc(text)}</p>" if css else f"<p>{esc(text)}</p>"


def _attention_section(con: duckdb.DuckDBPyConnection, cover: Coverage) -> tuple[str, go.Figure | None]:
    series = {g: trend_series(con, None, g) for g in GRAINS}
    if series["day"].empty:
        return _section(
            "attention", "Topic attention on the ticker", _p("No ticker snapshot yet.", "empty")
        ), None
    days = (cover.last_day - cover.first_day).days + 1 if cover.first_day and cover.last_day else 0
    figure = attention_figure(series, cover, "day" if days <= DAILY_UP_TO_DAYS else "week")
    text = (
        "Share of ticker slots whose headline carries the topic, per period (Africa/Casablanca days, weeks "
        "start on Monday). A share, not a count: a period with more snapshots has more slots, not more "
        "attention. A headline with two topics counts for both, so shares add up to more than 100%."
    )
    return _section(
        "attention",
        "Topic attention on the ticker",
        _p(text),
        "<div id='attention-chart' class='chart'></div>",
    ), figure


def _rising_section(con: duckdb.DuckDBPyConnection) -> str:
    rising = rising_topics(con, None, RISING_DAYS)
    if rising.empty or "windows" not in rising.attrs:
        return _section("rising", "Rising topics", _p("No ticker snapshot yet.", "empty"))
    labels = topic_labels()
    rising = rising.assign(label=[labels.get(t, t) for t in rising["topic"]])
    windows = rising.attrs["windows"]
    text = (
        f"{windows.describe().capitalize()}. "
        "score = log2((share now + 1%) / (share before + 1%)): one point is a doubling."
    )
    columns: list[Column] = [
        ("label", "topic", None),
        ("topic", "slug", None),
        ("score", "score", lambda v: f"{v:+.2f}"),
        ("share_now", f"share, last {RISING_DAYS} d", _pct),
        ("share_base", f"share, {BASELINE_DAYS} d before", _pct),
        ("slots_now", "slots now", None),
        ("slots_base", "slots before", None),
    ]
    return _section("rising", "Rising topics", _p(text), _table(rising, columns, css="rising"))


def _headlines_section(con: duckdb.DuckDBPyConnection) -> str:
    rows = _query(con, "report/topic_headlines", {"per_topic": HEADLINES_PER_TOPIC})
    if rows.empty:
        return _section(
            "headlines", "Headlines that carried each topic", _p("No tagged headline yet.", "empty")
        )
    labels = topic_labels()
    text = (
        f"Per topic, the {HEADLINES_PER_TOPIC} headlines with the most ticker slots: first and last seen "
        f"({TIMEZONE}), hours between them (dwell), the best position reached (1 = first on the ticker)."
    )
    columns: list[Column] = [
        ("headline", "headline", None),
        ("slots", "slots", None),
        ("n_snapshots", "snapshots", None),
        ("first_seen", "first seen", _when),
        ("last_seen", "last seen", _when),
        ("dwell_hours", "dwell (h)", lambda v: f"{v:.1f}"),
        ("best_position", "best position", None),
        ("language", "language", None),
    ]
    totals = rows.groupby("topic")["slots"].sum().sort_values(ascending=False)
    parts = []
    for topic in totals.index:
        block = rows[rows["topic"] == topic]
        n = int(block["topic_headlines"].iloc[0])
        summary = (
            f"{labels.get(topic, topic)} ({topic}): {n} headline{'s' if n != 1 else ''}, top {len(block)}"
        )
        parts.append(
            f"<details data-topic='{esc(topic)}'><summary>{esc(summary)}</summary>"
            f"{_table(block, columns, css='headlines')}</details>"
        )
    return _section("headlines", "Headlines that carried each topic", _p(text), *parts)


def _outlets_section(con: duckdb.DuckDBPyConnection, cover: Coverage) -> tuple[str, go.Figure | None]:
    import plotly.graph_objects as go

    outlets = _query(con, "report/outlets", {"limit": OUTLETS_SHOWN})
    columns: list[Column] = [
        ("outlet", "outlet", None),
        ("known", "in data/outlets.csv", lambda v: "yes" if v else "no"),
        ("articles", "articles", None),
        ("first_published", "first published", _day),
        ("last_published", "last published", _day),
        ("untrusted_dates", "missing or suspect dates", None),
    ]
    figure = None
    parts = [_p(f"The {OUTLETS_SHOWN} outlets with the most distinct articles.")]
    parts.append(_table(outlets, columns, css="outlets", empty="No article yet."))
    if cover.first_day is not None:
        first_week = cover.first_day - timedelta(days=cover.first_day.weekday())
        since = first_week - timedelta(weeks=VOLUME_WEEKS_BEFORE)
        volume = _query(con, "report/article_volume", {"grain": "week", "since": since})
        if not volume.empty:
            labels = topic_labels()
            topics = ordered_topics(list(volume["topic"]))
            wide = volume.pivot_table(index="topic", columns="period_start", values="articles", fill_value=0)
            last_week = cover.last_day - timedelta(days=cover.last_day.weekday())
            weeks_shown = pd.date_range(since, max(last_week, wide.columns.max().date()), freq="7D")
            wide = wide.reindex(index=topics, columns=weeks_shown, fill_value=0)
            weeks = [_day(c) for c in wide.columns]
            names = [esc(f"{labels.get(t, 'untagged' if t == 'none' else t)} ({t})") for t in topics]
            figure = go.Figure(
                go.Heatmap(
                    z=wide.to_numpy().tolist(), x=weeks, y=names, colorscale="Blues", xgap=1, ygap=1,
                    hovertemplate="%{y}, week of %{x}: %{z} articles<extra></extra>",
                    colorbar={"title": {"text": "articles"}},
                )
            )  # fmt: skip
            figure.update_layout(
                template="plotly_white",
                height=120 + 22 * len(topics),
                margin={"l": 10, "r": 10, "t": 10, "b": 40},
                xaxis={"type": "category", "title": {"text": "week of publication (Monday)"}},
                yaxis={"autorange": "reversed"},
                font={"family": FONT, "size": 11},
            )
            parts.append(
                _p(
                    f"Article volume: distinct articles per week of publication and topic, from {since} "
                    "(12 weeks before the first capture; the ticker links older articles too). An article "
                    "with two topics counts in both rows; missing or suspect dates are left out."
                )
            )
            parts.append("<div id='volume-chart' class='chart'></div>")
    return _section("outlets", "Outlets and article volume", *parts), figure


def _quality_section(con: duckdb.DuckDBPyConnection) -> str:
    summary = _query(con, "queries/summary").iloc[0]
    tagged = _query(con, "report/tag_coverage").iloc[0]
    rejects = _query(con, "queries/reject_reasons")
    unknown = _query(con, "queries/unknown_outlets")
    methods = _query(con, "report/capture_methods")

    def share(row: pd.Series, part: str, whole: str) -> str:
        n, total = int(row[part]), int(row[whole])
        return f"{_pct(n / total) if total else '–'} ({n} of {total})"

    full = fully_tagged(con)
    undefined = "not defined: this warehouse has no topic model tables (tickerhouse/report.py: fully_tagged)"
    facts = [
        ("dumps stored", f"{int(summary['dumps'])} ({int(summary['rejects'])} rejected)"),
        ("ticker snapshots", f"{int(summary['snapshots'])}"),
        ("headlines with at least one topic", share(tagged, "tagged_headlines", "headlines")),
        ("ticker slots whose headline has a topic", share(tagged, "tagged_slots", "slots")),
        ("articles with at least one topic", share(tagged, "tagged_articles", "articles")),
        ("fully tagged headlines (read by the topic model)",
         share(full, "tagged_headlines", "headlines") if full is not None else undefined),
        ("fully tagged ticker slots",
         share(full, "tagged_slots", "slots") if full is not None else undefined),
        ("articles without a date / with a suspect date",
         f"{tagged['undated_articles']} / {tagged['suspect_date_articles']}"),
    ]  # fmt: skip
    facts_html = "".join(
        f"<tr><th scope='row'>{esc(k)}</th><td dir='auto'>{esc(v)}</td></tr>" for k, v in facts
    )
    return _section(
        "quality",
        "Data quality",
        f"<table class='facts'><tbody>{facts_html}</tbody></table>",
        "<h3>Rejects by reason</h3>",
        _table(rejects, [("reason", "reason", None), ("files", "files", None)], empty="No reject."),
        "<h3>Outlets not in data/outlets.csv</h3>",
        _table(
            unknown,
            [
                ("source_raw", "outlet as written", None),
                ("n_articles", "articles", None),
                ("first_seen", "first seen", _when),
                ("last_seen", "last seen", _when),
            ],
            empty="None: every byline's outlet is known.",
        ),
        "<h3>How snapshots were dated</h3>",
        _p("manifest and filename are exact; ticker_date is the day the ticker states; mtime is the file's."),
        _table(methods, [("capture_method", "capture method", None), ("snapshots", "snapshots", None)]),
    )


def build_report(con: duckdb.DuckDBPyConnection, warehouse_name: str = "warehouse") -> str:
    """Return the report page of a warehouse (a read-only connection is enough)."""
    cover = coverage(con)
    attention, attention_fig = _attention_section(con, cover)
    outlets, volume_fig = _outlets_section(con, cover)
    body = "".join(
        [
            "<nav><a href='#attention'>attention</a> · <a href='#rising'>rising</a> · "
            "<a href='#headlines'>headlines</a> · <a href='#outlets'>outlets</a> · "
            "<a href='#quality'>data quality</a></nav>",
            attention,
            _rising_section(con),
            _headlines_section(con),
            outlets,
            _quality_section(con),
        ]
    )
    figures = [(i, f) for i, f in (("attention-chart", attention_fig), ("volume-chart", volume_fig)) if f]
    built = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    subtitle = f"{cover.source_line()} · {warehouse_name} · built {built}"
    return _page("tickerhouse: what the Maghress ticker carried", subtitle, body, figures)


def write_page(page: str, out: Path) -> Path:
    """Write a page atomically (a reader never sees half of it); return `out`."""
    write_atomically(out, lambda partial: partial.write_text(page, encoding="utf-8"))
    return out


def write_report(warehouse: Path, out: Path) -> Path:
    """Write the report of `warehouse` (opened read-only) to `out`; return `out`."""
    from tickerhouse import warehouse as wh

    con = wh.connect(warehouse, read_only=True)
    try:
        page = build_report(con, warehouse.name)
    finally:
        con.close()
    return write_page(page, out)
