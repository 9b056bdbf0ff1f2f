"""`tickerhouse report`: an offline page from a small ingested warehouse; the page in headless Chromium."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from browser import CHROMIUM, Browser, changed_share, non_white_share
from helpers import SAMPLE_DIR
from tickerhouse import warehouse as wh
from tickerhouse.cli import main
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.report import attention_figure, write_report
from tickerhouse.trends import GRAINS, trend_series

DAYS = ["2024-12-01", "2024-12-02", "2024-12-03", "2024-12-04"]  # Sunday to Wednesday: two partial weeks
# Text that would run as markup if the page did not escape it
HOSTILE_HEADLINE = (
    'Météo : <script>window.__pwned = 1</script> pluies & </script><img src=x onerror="window.__pwned=2">'
)
HOSTILE_OUTLET = "Le <b>Canard</b> & <i>Cie</i>"


def _hostile_dumps(folder: Path) -> None:
    """Six dumps whose ticker leads with a headline full of markup; their article from an unknown outlet."""
    template = sorted((SAMPLE_DIR / "fr" / "2024-12-03").glob("maghress-fr_*.txt"))[0].read_text(
        encoding="utf-8"
    )
    ticker, rest = template.split("\n", 1)
    rest = re.sub(r"Publié dans .+? le ", f"Publié dans {HOSTILE_OUTLET} le ", rest, count=1)
    folder.mkdir()
    for day, hour in [(2, 11), (2, 17), (3, 11), (3, 17), (4, 11), (4, 17)]:
        stamp = f"202412{day:02d}T{hour:02d}0000Z"
        # a headline of its own per dump: the same bytes twice would be one dump
        line = f"{HOSTILE_HEADLINE}    Bourse de Casablanca : la séance du {day} à {hour} h    {ticker}"
        (folder / f"maghress-fr_{stamp}.txt").write_text(f"{line}\n{rest}", encoding="utf-8")


@pytest.fixture(scope="module")
def small_warehouse(prefect_harness, tmp_path_factory) -> Path:
    """Four days of the French and Arabic sample (one binary reject among them) and the hostile dumps."""
    root = tmp_path_factory.mktemp("report")
    _hostile_dumps(root / "hostile")
    target = root / "warehouse.duckdb"
    paths = [str(SAMPLE_DIR / edition / day) for edition in ("fr", "ar") for day in DAYS]
    ingest_dumps(paths=[*paths, str(root / "hostile")], warehouse=str(target))
    return target


@pytest.fixture(scope="module")
def report_page(small_warehouse, tmp_path_factory) -> Path:
    return write_report(small_warehouse, tmp_path_factory.mktemp("out") / "report.html")


def test_report_is_one_offline_page_with_every_section(report_page):
    page = report_page.read_text(encoding="utf-8")
    # self-contained: plotly.js inlined, nothing fetched from anywhere, and a policy that forbids it
    assert "plotly.js v" in page
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert "default-src 'none'" in page
    for section in ("attention", "rising", "headlines", "outlets", "quality"):
        assert f"<section id='{section}'>" in page
    # rising topics say their as-of day and the two windows they compare, as `trends --rising` does
    assert re.search(
        r"Rising topics as of (\d{4}-\d\d-\d\d): share of ticker slots \S+ to \1 \(7 days\) against", page
    )
    # data quality: the sample's binary dump, tag coverage
    assert "binary content" in page
    assert "headlines with at least one topic" in page
    # "fully tagged": the topic model has read the headline; the small warehouse was never enriched
    assert "fully tagged headlines (read by the topic model)</th><td dir='auto'>0.0% (0 of " in page
    assert 4_000_000 < len(page.encode()) < 6_000_000  # plotly.js is most of it


def test_report_escapes_every_text(report_page):
    page = report_page.read_text(encoding="utf-8")
    assert "window.__pwned" in page  # the headline is there (weather's top headlines, six slots)...
    assert "<script>window.__pwned" not in page and "<img src=x" not in page  # ...only as text
    assert "Météo : &lt;script&gt;window.__pwned = 1&lt;/script&gt; pluies &amp; &lt;/script&gt;" in page
    assert "Le &lt;b&gt;Canard&lt;/b&gt; &amp; &lt;i&gt;Cie&lt;/i&gt;" in page  # an unknown outlet
    assert "<b>Canard" not in page


def test_report_reads_the_warehouse_read_only(small_warehouse, tmp_path):
    before = small_warehouse.stat().st_mtime_ns
    write_report(small_warehouse, tmp_path / "r.html")
    assert small_warehouse.stat().st_mtime_ns == before


def test_an_empty_warehouse_still_gives_a_page(tmp_path):
    target = tmp_path / "empty.duckdb"
    wh.connect(target).close()
    page = write_report(target, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No ticker snapshot yet." in page and "<section id='quality'>" in page
    assert "data-figure='attention-chart'" not in page


def test_series_carry_their_coverage(small_warehouse):
    con = wh.connect(small_warehouse, read_only=True)
    try:
        series = trend_series(con, ["weather"], "week")
        cover = series.attrs["coverage"]
        snapshots = con.execute("select count(*) from ticker_snapshots").fetchall()[0][0]
    finally:
        con.close()
    assert cover.snapshots == snapshots
    assert cover.editions == ("fr", "ar")
    assert cover.first_day.isoformat() == "2024-12-01" and cover.last_day.isoformat() == "2024-12-04"
    line = cover.source_line()
    assert line.startswith(f"Source: Maghress ticker, FR+AR, {snapshots} snapshots, 2024-12-01 ")
    assert "(Africa/Casablanca), taxonomy " in line


def test_attention_figure_switches_grain_and_marks_partial_weeks(small_warehouse):
    con = wh.connect(small_warehouse, read_only=True)
    try:
        series = {g: trend_series(con, None, g) for g in GRAINS}
    finally:
        con.close()
    figure = attention_figure(series, series["day"].attrs["coverage"], "day")
    topics = sorted(set(series["day"]["topic"]))
    lines = [t for t in figure.data if t.showlegend is not False and t.meta != "partial"]
    assert sorted(t.meta for t in lines) == topics
    assert len({t.line.color for t in lines}) == len(topics)  # every topic its own colour
    assert all("%{y:.1%}" in t.hovertemplate for t in lines)  # hover says the share
    buttons = {b.label: b for b in figure.layout.updatemenus[0].buttons}
    assert list(buttons) == ["per day", "per week", "per month"]
    week_data, week_layout, _ = buttons["per week"].args
    # Sunday 2024-12-01 opens the week of 25 November; Wednesday 4 December ends the week of 2 December
    assert week_data["x"][0] == ["2024-11-25", "2024-12-02"]
    hollow = week_data["x"][len(topics)]  # the first topic's partial-period markers
    assert hollow == ["2024-11-25", "2024-12-02"]
    assert [s["x0"] for s in week_layout["shapes"]] == ["2024-11-25", "2024-12-02"]
    assert "partial week" in week_data["name"][-1] and week_data["showlegend"][-1] is True
    assert week_layout["xaxis.tick0"] == "2024-11-25" and week_layout["xaxis.dtick"] == 7 * 86_400_000
    lo, hi = (datetime.fromisoformat(v) for v in week_layout["xaxis.range"])
    assert datetime(2024, 11, 18) <= lo and hi <= datetime(2024, 12, 9)


# ---------------------------------------------------------------- in the browser

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; .ci/run installs it)"
)

CHART = "tickerhouseReport.figures['attention-chart']"


@needs_chromium
def test_report_in_headless_chromium(report_page):
    with Browser() as browser:
        url = browser.open(report_page)
        browser.pump(0.5)
        assert browser.console_errors() == []
        # no request but the file itself (plotly makes a data: URL or two, which fetch nothing)
        assert [u for u in browser.requests() if u != url and not u.startswith("data:")] == []
        assert browser.evaluate("window.__pwned === undefined && document.images.length === 0")

        # the charts render: the attention chart and the article-volume heatmap are not blank
        chart = browser.rect("#attention-chart")
        before = browser.screenshot(chart)
        assert non_white_share(before) > 0.03
        assert non_white_share(browser.screenshot(browser.rect("#volume-chart"))) > 0.03

        # hover shows values
        browser.hover_selector("#attention-chart .nsewdrag")
        hover = browser.wait_until("document.querySelector('#attention-chart .hoverlayer').textContent")
        assert "%" in hover and "slots" in hover

        # a click on the first legend item hides that topic and changes the chart
        topics = browser.evaluate("tickerhouseReport.visibleTopics()")
        browser.click_selector("#attention-chart .legend .traces", 0)
        browser.wait_until(f"tickerhouseReport.visibleTopics().length === {len(topics) - 1}", timeout=10)
        assert browser.evaluate("tickerhouseReport.visibleTopics()") == topics[1:]
        browser.pump(0.3)
        after = browser.screenshot(chart)
        assert changed_share(before, after) > 0.001
        # the page's own toggle brings it back
        browser.evaluate(f"tickerhouseReport.toggleTopic({topics[0]!r}).then(() => true)")
        assert browser.evaluate("tickerhouseReport.visibleTopics()") == topics

        # per week: two weeks instead of four days
        assert browser.evaluate(f"{CHART}.data[0].x.length") == len(DAYS)
        browser.click_selector("#attention-chart .updatemenu-button", 1)
        browser.wait_until(f"{CHART}.data[0].x.length === 2", timeout=10)
        # zoom to the last 7 days with the range selector: the x range changes
        span = f"(r => new Date(r[1]) - new Date(r[0]))({CHART}.layout.xaxis.range)"
        wide = browser.evaluate(span)
        browser.click_selector("#attention-chart .rangeselector .button", 0)
        browser.wait_until(f"{span} !== {wide}", timeout=10)
        assert browser.evaluate(span) == 7 * 86_400_000
        browser.pump(0.3)
        assert browser.console_errors() == []


def test_cli_report_writes_the_page_and_refuses_what_it_cannot_do(small_warehouse, tmp_path, capsys):
    out = tmp_path / "sub" / "r.html"
    assert main(["report", "--out", str(out), "--warehouse", str(small_warehouse)]) == 0
    assert "data-figure='attention-chart'" in out.read_text(encoding="utf-8")
    assert f"report written to {out}" in capsys.readouterr().err
    # arguments first: a page that is not HTML, then a warehouse that is not there, one line each
    assert main(["report", "--out", str(tmp_path / "r.pdf"), "--warehouse", str(small_warehouse)]) == 2
    assert main(["report", "--out", str(out), "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "--out wants an .html file" in err and "no warehouse at" in err and "Traceback" not in err
