"""Topic trend series and rising topics read from the warehouse views, and their plot (PNG or HTML page)."""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from tickerhouse.errors import UsageError
from tickerhouse.queries import saved_query
from tickerhouse.resources import TOPICS_TOML, sql_text

if TYPE_CHECKING:  # pandas only where a frame is built: the CLI's table prints DuckDB's rows (~0.5 s less)
    import duckdb
    import pandas as pd
    from matplotlib.figure import Figure

GRAINS = ("day", "week", "month")
# The files --plot writes: a static image, or the report's interactive chart on a page of its own.
PLOT_SUFFIXES = (".png", ".html", ".htm")
# The trailing baseline rising topics compare against, as sql/queries/rising_topics.sql declares it:
# four weeks smooths the weekly rhythm out.
BASELINE_DAYS = int(next(p.default for p in saved_query("rising_topics").params if p.name == "baseline_days"))
# Every topic keeps its own colour in every chart (PNG and report alike): tab10 without its grey, then
# six more picked greedily for the largest CIELAB distance to those before; the closest two of the 16
# are 27.7 apart (CIE76), where about 10 is still easy to confuse on a thin line.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
    "#17becf", "#000075", "#f032e6", "#637939", "#f0027f", "#a6761d", "#ff9896", "#1b9e77",
)  # fmt: skip
# Past this many topics one chart is a tangle: the PNG draws one small panel per topic instead.
MAX_LINES_PER_AXES = 8
# A period's nominal length, for the margins around the data (a month counts 31 days).
PERIOD_DAYS = {"day": 1, "week": 7, "month": 31}
TIMEZONE = "Africa/Casablanca"


@dataclass(frozen=True)
class Coverage:
    """What a series rests on: the ticker snapshots of its days and the versions its tags came from."""

    snapshots: int
    first_capture: datetime | None  # Africa/Casablanca local time
    last_capture: datetime | None
    editions: tuple[str, ...] = ()
    taxonomy_versions: tuple[str, ...] = ()
    model_versions: tuple[str, ...] = field(default=())

    @property
    def first_day(self) -> date | None:
        return self.first_capture.date() if self.first_capture else None

    @property
    def last_day(self) -> date | None:
        return self.last_capture.date() if self.last_capture else None

    def source_line(self) -> str:
        """`Source: Maghress ticker, FR+AR, 393 snapshots, 2024-12-01 01:00 – 2024-12-25 22:00 ...`."""
        parts = ["Source: Maghress ticker"]
        if self.editions:
            parts.append("+".join(e.upper() for e in self.editions))
        parts.append(f"{self.snapshots} snapshot{'s' if self.snapshots != 1 else ''}")
        if self.first_capture and self.last_capture:
            first, last = (t.strftime("%Y-%m-%d %H:%M") for t in (self.first_capture, self.last_capture))
            parts.append(f"{first} – {last} ({TIMEZONE})")
        parts.append(f"taxonomy {'/'.join(self.taxonomy_versions) or 'none'}")
        if self.model_versions:
            parts.append(f"topic model {'/'.join(self.model_versions)}")
        return ", ".join(parts)


def coverage(
    con: duckdb.DuckDBPyConnection, day_from: date | None = None, day_to: date | None = None
) -> Coverage:
    """Return the snapshots of Africa/Casablanca days `day_from`..`day_to` and the tags' versions."""
    params = {"day_from": day_from, "day_to": day_to}
    snapshots, first, last, editions = con.execute(sql_text("report/coverage"), params).fetchall()[0]
    versions = con.execute(sql_text("report/tag_versions")).df()
    if "model_version" not in versions:  # a warehouse from before the topic model
        versions["model_version"] = None

    def distinct(column: str) -> tuple[str, ...]:
        return tuple(sorted({v for v in versions[column] if isinstance(v, str)}))

    return Coverage(
        snapshots=int(snapshots),
        first_capture=first,
        last_capture=last,
        editions=_edition_order(editions),
        taxonomy_versions=distinct("taxonomy_version"),
        model_versions=distinct("model_version"),
    )


def _edition_order(editions: list[str]) -> tuple[str, ...]:
    # French first, as the site lists its editions; any other after, alphabetically
    return tuple(sorted(editions, key=lambda e: (e != "fr", e != "ar", e)))


def _run_trends(
    con: duckdb.DuckDBPyConnection,
    topics: list[str] | None,
    by: str,
    date_from: date | None,
    date_to: date | None,
) -> duckdb.DuckDBPyConnection:
    """Run sql/queries/topic_trends.sql at grain `by`; its result waits on `con`, as rows or a frame."""
    if by not in GRAINS:
        raise ValueError(f"by must be one of {GRAINS}, got {by!r}")
    params = {"by": by, "topics": topics or None, "date_from": date_from, "date_to": date_to}
    return con.execute(sql_text("queries/topic_trends"), params)


def _columns_and_rows(result: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple]]:
    return [d[0] for d in result.description], result.fetchall()


def trend_rows(
    con: duckdb.DuckDBPyConnection,
    topics: list[str] | None,
    by: str,
    date_from: date | None = None,
    date_to: date | None = None,
) -> tuple[list[str], list[tuple]]:
    """Return the columns and rows of trend_series as DuckDB gives them (period_start a date), no pandas."""
    return _columns_and_rows(_run_trends(con, topics, by, date_from, date_to))


def trend_series(
    con: duckdb.DuckDBPyConnection,
    topics: list[str] | None,
    by: str,
    date_from: date | None = None,
    date_to: date | None = None,
) -> pd.DataFrame:
    """Return one row per period per topic (sql/queries/topic_trends.sql) at grain `by`.

    `frame.attrs["coverage"]` holds the Coverage of the periods returned, which the plot cites.
    """
    import pandas as pd

    frame = _run_trends(con, topics, by, date_from, date_to).df()
    if not frame.empty:
        starts = pd.to_datetime(frame["period_start"])
        last_end = period_end(starts.max().date(), by) - timedelta(days=1)
        frame.attrs["coverage"] = coverage(con, starts.min().date(), last_end)
    return frame


@dataclass(frozen=True)
class RisingWindows:
    """The two windows rising topics compare: `days` days ending `as_of`, the BASELINE_DAYS before."""

    as_of: date
    days: int

    @property
    def now(self) -> tuple[date, date]:
        return self.as_of - timedelta(days=self.days - 1), self.as_of

    @property
    def baseline(self) -> tuple[date, date]:
        first_now = self.now[0]
        return first_now - timedelta(days=BASELINE_DAYS), first_now - timedelta(days=1)

    def describe(self) -> str:
        """`rising topics as of 2024-12-25: 2024-12-25 to 2024-12-25 (1 day) against 2024-11-27 to ...`."""
        (a, b), (c, d) = self.now, self.baseline
        plural = "s" if self.days != 1 else ""
        return (
            f"rising topics as of {self.as_of}: share of ticker slots {a} to {b} ({self.days} day{plural}) "
            f"against {c} to {d} ({BASELINE_DAYS} days before)"
        )


def _run_rising(con: duckdb.DuckDBPyConnection, as_of: date | None, days: int) -> duckdb.DuckDBPyConnection:
    """Run sql/queries/rising_topics.sql; its result waits on `con`, as rows or a frame."""
    if days < 1:
        raise UsageError(f"--days wants 1 or more, got {days}")
    params = {"as_of": as_of, "days": days, "baseline_days": BASELINE_DAYS}
    return con.execute(sql_text("queries/rising_topics"), params)


def _rising_windows(con: duckdb.DuckDBPyConnection, as_of: date | None, days: int) -> RisingWindows | None:
    """Return the windows rising topics compare (None when the warehouse has no day)."""
    last_day = as_of or con.execute(sql_text("trends/last_day")).fetchall()[0][0]
    return None if last_day is None else RisingWindows(last_day, days)


def rising_rows(
    con: duckdb.DuckDBPyConnection, as_of: date | None = None, days: int = 1
) -> tuple[list[str], list[tuple], RisingWindows | None]:
    """Return the columns and rows of rising_topics as DuckDB gives them (no pandas), and its windows."""
    columns, rows = _columns_and_rows(_run_rising(con, as_of, days))
    return columns, rows, _rising_windows(con, as_of, days)


def rising_topics(con: duckdb.DuckDBPyConnection, as_of: date | None = None, days: int = 1) -> pd.DataFrame:
    """Return one row per topic, highest rise score first (sql/queries/rising_topics.sql).

    `frame.attrs["windows"]` holds the RisingWindows compared (absent when the warehouse has no day).
    """
    frame = _run_rising(con, as_of, days).df()
    if windows := _rising_windows(con, as_of, days):
        frame.attrs["windows"] = windows
    return frame


def check_topics(con: duckdb.DuckDBPyConnection, topics: list[str]) -> None:
    """Refuse (exit 2) a topic slug neither the taxonomy nor the warehouse's tags know, naming the nearest.

    An unknown slug would otherwise read as a topic nobody wrote about: an empty or shorter answer.
    """
    tagged = {t for (t,) in con.execute(sql_text("trends/tagged_topics")).fetchall()}
    valid = sorted(set(topic_labels()) | tagged)
    unknown = [t for t in topics if t not in valid]
    if not unknown:
        return
    guesses = "; ".join(
        f"{t!r}: nearest {difflib.get_close_matches(t, valid, n=1, cutoff=0.0)[0]!r}" for t in unknown
    )
    raise UsageError(f"unknown topic {guesses}; valid topics: {', '.join(valid)}")


def check_plot_path(path: Path) -> None:
    """Refuse (exit 2) a --plot file that is neither .png nor .html, before any query runs."""
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise UsageError(f"--plot wants a .png or .html file, got {path.name!r}")


# ---------------------------------------------------------------- periods, topics, colours


def period_end(start: date, by: str) -> date:
    """Return the first day after the period of grain `by` that starts on `start`."""
    if by == "day":
        return start + timedelta(days=1)
    if by == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)  # the next month's first


def partial_periods(starts: list[date], by: str, cover: Coverage | None) -> set[date]:
    """Return the period starts whose period the captures cover only in part (the first and the last).

    A day is counted whole: the first and last capture days are partial days, but days are the grain.
    """
    if cover is None or cover.first_day is None or cover.last_day is None:
        return set()
    return {
        s for s in starts if s < cover.first_day or period_end(s, by) - timedelta(days=1) > cover.last_day
    }


def tick_starts(starts: list[date], by: str, max_ticks: int = 12) -> list[date]:
    """Return the period starts to put ticks on: every one, or Mondays (days), or every k-th."""
    starts = sorted(starts)
    if by == "day" and len(starts) > 16:
        starts = [s for s in starts if s.weekday() == 0] or starts[:1]  # week starts
    step = max(1, -(-len(starts) // max_ticks))
    return starts[::step]


def x_range(starts: list[date], by: str) -> tuple[datetime, datetime]:
    """Return the x limits: half a period either side of the first and last period start."""
    half = timedelta(days=PERIOD_DAYS[by] / 2)
    first, last = (datetime.combine(d, datetime.min.time()) for d in (min(starts), max(starts)))
    return first - half, last + half


@lru_cache(maxsize=4)
def _taxonomy_topics(path: Path, mtime_ns: int) -> dict[str, str]:
    tables = tomllib.loads(path.read_text(encoding="utf-8"))
    return {slug: t["label"] for slug, t in tables.items() if isinstance(t, dict) and "label" in t}


def topic_labels() -> dict[str, str]:
    """Return each topic's display name, in data/topics.toml order (the order colours are handed out)."""
    return dict(_taxonomy_topics(TOPICS_TOML, TOPICS_TOML.stat().st_mtime_ns))


def topic_colours(topics: list[str]) -> dict[str, str]:
    """Return a colour per topic: fixed by the taxonomy's order, so a topic looks the same everywhere.

    Topics the shipped taxonomy does not know (an older one's) take the colours left, in name order.
    """
    known = list(topic_labels())
    ordered = known + sorted(set(topics) - set(known))
    return {t: PALETTE[ordered.index(t) % len(PALETTE)] for t in topics}


def ordered_topics(topics: list[str]) -> list[str]:
    """Return distinct topics in the taxonomy's order (its unknown ones last, by name): legends, panels."""
    known = list(topic_labels())
    return sorted(set(topics), key=lambda t: (known.index(t) if t in known else len(known), t))


# ---------------------------------------------------------------- the PNG


def trend_figure(series: pd.DataFrame, by: str, cover: Coverage | None = None) -> Figure:
    """Return the matplotlib figure of the share of ticker slots per topic over time.

    Up to MAX_LINES_PER_AXES topics share one chart; more get one small panel each (the others in grey
    behind). Partial first/last periods are hollow markers on a shaded band, named in the legend.
    """
    import pandas as pd
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    cover = cover or series.attrs.get("coverage")
    wide = series.pivot(index="period_start", columns="topic", values="share").sort_index()
    wide.index = pd.to_datetime(wide.index)
    starts = [t.date() for t in wide.index]
    topics = ordered_topics(list(wide.columns))
    colours = topic_colours(topics)
    partial = partial_periods(starts, by, cover)
    is_partial = [s in partial for s in starts]
    small_multiples = len(topics) > MAX_LINES_PER_AXES

    if small_multiples:
        ncols = 3
        nrows = -(-len(topics) // ncols)
        fig = Figure(figsize=(12, 1.9 * nrows + 1.2), dpi=110, layout="constrained")
        grid = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
        axes = list(grid.flat)
        for ax in axes[len(topics) :]:
            ax.set_visible(False)
        panels = [(ax, [topic]) for ax, topic in zip(axes, topics, strict=False)]
    else:
        fig = Figure(figsize=(10, 5), dpi=110, layout="constrained")
        panels = [(fig.subplots(), topics)]

    labels = topic_labels()
    lo, hi = x_range(starts, by)
    ticks = [datetime.combine(s, datetime.min.time()) for s in tick_starts(starts, by)]
    for ax, drawn in panels:
        if small_multiples:  # the other topics, for scale
            for other in topics:
                if other not in drawn:
                    ax.plot(wide.index, wide[other], color="#d0d0d0", linewidth=0.8, zorder=1)
            ax.set_title(f"{labels.get(drawn[0], drawn[0])} ({drawn[0]})", fontsize=9, loc="left")
        for s in sorted(partial):
            ax.axvspan(
                max(pd.Timestamp(s), pd.Timestamp(lo)),
                min(pd.Timestamp(period_end(s, by)), pd.Timestamp(hi)),
                color="#888888",
                alpha=0.12,
                linewidth=0,
                zorder=0,
            )
        for topic in drawn:
            colour = colours[topic]
            values = wide[topic]
            # every point filled, then hollow markers drawn over the partial periods'
            ax.plot(
                wide.index,
                values,
                color=colour,
                linewidth=1.8,
                marker="o",
                markersize=4,
                zorder=3,
                label=topic,
            )
            ax.plot(
                wide.index[is_partial],
                values[is_partial],
                linestyle="none",
                marker="o",
                markersize=6,
                markerfacecolor="white",
                markeredgecolor=colour,
                zorder=4,
            )
        ax.set_xlim(lo, hi)
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(DateFormatter("%b %Y" if by == "month" else "%a %d %b"))
        ax.yaxis.set_major_formatter(FuncFormatter(_percent))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", labelsize=8, labelrotation=30)

    handles = (
        [Line2D([], [], color=colours[t], linewidth=1.8, label=t) for t in topics]
        if not small_multiples
        else []
    )
    if partial:
        spans = ", ".join(s.isoformat() for s in sorted(partial))
        handles.append(
            Line2D(
                [], [], linestyle="none", marker="o", markersize=6, markerfacecolor="white",
                markeredgecolor="#555555",
                label=f"partial {by}, data covers part of it\n(hollow, shaded): {spans}",
            )
        )  # fmt: skip
    first, last = starts[0], starts[-1]
    title = f"Share of ticker slots by topic, per {by}"
    span = f"{first} to {last}" if first != last else f"{first}"
    source = cover.source_line() if cover else "Source: Maghress ticker"
    if small_multiples:
        fig.suptitle(title, fontsize=11)
        if handles:
            fig.legend(handles=handles, loc="outside lower center", fontsize=8)
    else:
        panels[0][0].set_title(title, fontsize=11, loc="left")
        fig.legend(handles=handles, loc="outside right upper", fontsize=8, title="topic")
    fig.supylabel("share of ticker slots (%)", fontsize=9)
    monday = " Monday" if by == "week" else ""
    fig.supxlabel(f"{by} starting{monday}, {span} ({TIMEZONE})\n{source}", fontsize=8, color="#444444")
    return fig


def _percent(share: float, _position: object = None) -> str:
    """`12%`, `12.5%`: a share as a percentage, a decimal only where the tick needs one."""
    pct = round(share * 100, 6)
    return f"{pct:.0f}%" if pct == round(pct) else f"{pct:.1f}%"


def _figure_png(series: pd.DataFrame, by: str, cover: Coverage | None = None) -> bytes:
    """Return the PNG of trend_figure."""
    import io

    buffer = io.BytesIO()
    trend_figure(series, by, cover).savefig(buffer, format="png")
    return buffer.getvalue()


def write_plot(series: pd.DataFrame, by: str, path: Path, cover: Coverage | None = None) -> None:
    """Write the trend plot: a .png, or an offline interactive .html page (the report's attention chart)."""
    check_plot_path(path)
    suffix = path.suffix.lower()
    if series.empty:
        raise ValueError("nothing to plot: no ticker data for these topics and dates")
    cover = cover or series.attrs.get("coverage")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".png":
        path.write_bytes(_figure_png(series, by, cover))
    else:
        from tickerhouse.report import attention_page

        path.write_text(attention_page(series, by, cover), encoding="utf-8")
