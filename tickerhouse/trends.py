"""Topic trend series and rising topics read from the warehouse views, and their plot (PNG or HTML page)."""

from __future__ import annotations

import base64
import html
import io
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from tickerhouse.resources import sql_text

GRAINS = ("day", "week", "month")
# The trailing baseline rising topics compare against: four weeks smooths the weekly rhythm out.
BASELINE_DAYS = 28


def trend_series(
    con: duckdb.DuckDBPyConnection,
    topics: list[str] | None,
    by: str,
    date_from: date | None = None,
    date_to: date | None = None,
) -> pd.DataFrame:
    """Return one row per period per topic (sql/queries/topic_trends.sql) at grain `by`."""
    if by not in GRAINS:
        raise ValueError(f"by must be one of {GRAINS}, got {by!r}")
    params = {"by": by, "topics": topics or None, "date_from": date_from, "date_to": date_to}
    return con.execute(sql_text("queries/topic_trends"), params).df()


def rising_topics(con: duckdb.DuckDBPyConnection, as_of: date | None = None, days: int = 1) -> pd.DataFrame:
    """Return one row per topic, highest rise score first (sql/queries/rising_topics.sql)."""
    params = {"as_of": as_of, "days": days, "baseline_days": BASELINE_DAYS}
    return con.execute(sql_text("queries/rising_topics"), params).df()


def _figure_png(series: pd.DataFrame, by: str) -> bytes:
    """Return the PNG of the share of ticker slots per topic over time, one line per topic."""
    import matplotlib

    matplotlib.use("Agg")  # no display here; and the CLI must not need one
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    wide = series.pivot(index="period_start", columns="topic", values="share").sort_index()
    fig, ax = plt.subplots(figsize=(10, 4.8), dpi=110)
    for topic in wide.columns:
        ax.plot(pd.to_datetime(wide.index), wide[topic], marker="o", markersize=3, linewidth=1.8, label=topic)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(bottom=0)
    ax.set_xlabel(f"{by} (Africa/Casablanca)")
    ax.set_ylabel("share of ticker slots")
    first, last = (pd.Timestamp(d).date() for d in (wide.index.min(), wide.index.max()))
    ax.set_title(f"Ticker attention by topic, per {by}, {first} to {last}")
    ax.grid(alpha=0.3)
    ax.legend(title="topic", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def write_plot(series: pd.DataFrame, by: str, path: Path) -> None:
    """Write the trend plot: a .png, or a self-contained .html page with the PNG and the data table."""
    if series.empty:
        raise ValueError("nothing to plot: no ticker data for these topics and dates")
    png = _figure_png(series, by)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".png":
        path.write_bytes(png)
    elif suffix in (".html", ".htm"):
        title = f"tickerhouse: ticker attention per {by}"
        image = f"data:image/png;base64,{base64.b64encode(png).decode()}"
        table = series.to_html(index=False, float_format=lambda x: f"{x:.4f}", border=0)
        path.write_text(
            "<!doctype html>\n<html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>"
            f"<img alt='share of ticker slots per topic' src='{image}'>"
            f"<h2>Data</h2>{table}</body></html>\n",
            encoding="utf-8",
        )
    else:
        raise ValueError(f"--plot wants a .png or .html file, got {path.name!r}")
