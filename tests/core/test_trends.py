"""Trend views and queries on a hand-built warehouse: shares, dwell, rising, volume, stories; the CLI."""

# Arabic headlines are intended, not look-alikes of Latin letters.

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tickerhouse import warehouse as wh
from tickerhouse.cli import main
from tickerhouse.resources import sql_text
from tickerhouse.transforms.topic_tags import story_tokens
from tickerhouse.trends import rising_topics, trend_series

MUFTI_LONG = (
    "Le Grand Mufti d'Al-Qods salue le soutien du Maroc, sous le leadership de SM le Roi, "
    "au peuple palestinien"
)
MUFTI_SHORT = "Le grand mufti d'Al-Qods salue le soutien du Maroc au peuple palestinien"
KHALFI_FUNERAL = "Funérailles à Casablanca de l'acteur feu Mohamed El Khalfi"
KHALFI_DEATH = "L'acteur marocain Mohamed El Khalfi n'est plus"


def _utc(day: str, hour: int) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


def _insert_snapshot(
    con: duckdb.DuckDBPyConnection, snapshot_id: str, at: datetime, headlines: list[str]
) -> None:
    con.execute(
        "insert into ticker_snapshots values (?, ?, 'filename', 'fr', ?, null, ?)",
        [snapshot_id, at, len(headlines), snapshot_id],
    )
    for position, headline_id in enumerate(headlines, start=1):
        con.execute(
            "insert into ticker_items values (?, ?, ?, ?, 'fr')",
            [snapshot_id, position, headline_id, f"text of {headline_id}"],
        )


def _finish_headlines(con: duckdb.DuckDBPyConnection, texts: dict[str, str], topics: dict[str, str]) -> None:
    """Derive headlines and headline_days from the items (as the load does), tag and tokenize them."""
    # The stored items stand in for the new items a load reads from its staged batches.
    items = "(select i.*, s.captured_at from ticker_items i join ticker_snapshots s using (snapshot_id))"
    for table in ("headlines", "headline_days"):
        con.execute(sql_text(f"load/{table}").replace("new_items($files)", items))
    for headline_id, text in texts.items():
        con.execute("update headlines set headline = ? where headline_id = ?", [text, headline_id])
        con.execute("insert into headline_tokens values (?, ?)", [headline_id, story_tokens(text)])
    for headline_id, topic in topics.items():
        con.execute(
            "insert into headline_topics (headline_id, topic, matched_terms, via, taxonomy_version) "
            "values (?, ?, ['x'], 'term', 'test')",
            [headline_id, topic],
        )


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse: day 1 one snapshot, day 2 two snapshots with the same mix."""
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    wh.apply_schema(con)
    # day 1 (2024-12-02): 4 slots, 1 defense
    _insert_snapshot(con, "s1", _utc("2024-12-02", 9), ["d1", "f1", "x1", "x2"])
    # day 2 (2024-12-03): twice as many snapshots, same mix: share must not rise
    _insert_snapshot(con, "s2", _utc("2024-12-03", 9), ["d1", "f1", "x1", "x2"])
    _insert_snapshot(con, "s3", _utc("2024-12-03", 15), ["d2", "f1", "x1", "x2"])
    # 23:30 UTC on the 3rd is 00:30 on the 4th in Casablanca (UTC+1 in December)
    _insert_snapshot(con, "s4", _utc("2024-12-03", 23).replace(minute=30), ["f1", "x3", "x3", "x1"])
    texts = {"d1": "Défense : manoeuvres", "d2": "Armée : exercice", "f1": "Botola : derby"}
    texts |= {"x1": MUFTI_LONG, "x2": MUFTI_SHORT, "x3": KHALFI_DEATH}
    _finish_headlines(con, texts, {"d1": "defense", "d2": "defense", "f1": "football"})
    return con


def _attention(con, grain: str) -> dict[tuple[str, str], tuple]:
    rows = con.execute(
        "select period_start, topic, headlines, slots, all_slots, share from topic_attention where grain = ?",
        [grain],
    ).fetchall()
    return {(str(d), t): (h, s, a, sh) for d, t, h, s, a, sh in rows}


def test_daily_share_counts_slots_over_all_slots_of_the_day(con):
    daily = _attention(con, "day")
    # day 1: one defense slot of four
    assert daily[("2024-12-02", "defense")] == (1, 1, 4, 0.25)
    # day 2: two snapshots, two defense slots of eight, two distinct headlines: same share
    assert daily[("2024-12-03", "defense")] == (2, 2, 8, 0.25)
    # the late-evening UTC snapshot belongs to the next Casablanca day, with zero defense
    assert daily[("2024-12-04", "defense")] == (0, 0, 4, 0.0)
    assert daily[("2024-12-04", "football")] == (1, 1, 4, 0.25)


def test_weekly_share_pools_the_week(con):
    weekly = _attention(con, "week")
    # the week of Monday 2024-12-02: 3 defense slots of 16, 4 football slots
    assert weekly[("2024-12-02", "defense")] == (2, 3, 16, 3 / 16)
    assert weekly[("2024-12-02", "football")] == (1, 4, 16, 0.25)


def test_trend_series_filters_topics_and_dates(con):
    series = trend_series(con, ["defense"], "day", date(2024, 12, 3), None)
    assert series["topic"].unique().tolist() == ["defense"]
    assert [str(d.date()) for d in series["period_start"]] == ["2024-12-03", "2024-12-04"]
    with pytest.raises(ValueError, match="by must be"):
        trend_series(con, None, "year")


def test_headline_dwell(con):
    row = con.execute(
        "select first_seen, last_seen, n_snapshots, best_position, dwell_hours, topics "
        "from headline_dwell where headline_id = 'f1'"
    ).fetchone()
    # on all four snapshots; first at position 1 (s4), else 2
    assert row[:2] == (_utc("2024-12-02", 9), _utc("2024-12-03", 23).replace(minute=30))
    assert row[2:] == (4, 1, 38.5, ["football"])
    # a headline twice in one ticker counts one snapshot, its best position is the first
    x3 = con.execute(
        "select n_snapshots, best_position from headline_dwell where headline_id = 'x3'"
    ).fetchone()
    assert x3 == (1, 2)


def test_near_duplicates_group_into_one_story_per_day(con):
    stories = dict(
        con.execute("select headline_id, story_id from headline_stories where day = '2024-12-03'").fetchall()
    )
    # the two Grand Mufti wordings are one story; the defense and football headlines stay apart
    assert stories["x1"] == stories["x2"]
    assert len({stories["d1"], stories["d2"], stories["f1"], stories["x1"]}) == 4
    counts = con.execute(
        "select headlines, stories from story_counts where day = '2024-12-03' and topic = 'all'"
    ).fetchone()
    assert counts == (5, 4)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        # the seed's rewording: a clause dropped
        (MUFTI_LONG, MUFTI_SHORT, True),
        # the same man, a different story (death vs funeral)
        (KHALFI_FUNERAL, KHALFI_DEATH, False),
        # Arabic: a clitic and a taa marbuta spelled as haa fold to the same tokens
        ("الحكومة تصادق على مشروع قانون المالية", "الحكومه تصادق على مشروع قانون المالية", True),
    ],
)
def test_story_pairs(a, b, same):
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    wh.apply_schema(con)
    _insert_snapshot(con, "s", _utc("2024-12-23", 10), ["a", "b"])
    _finish_headlines(con, {"a": a, "b": b}, {})
    ids = {s for (s,) in con.execute("select story_id from headline_stories").fetchall()}
    assert (len(ids) == 1) is same


def test_rising_ranks_a_planted_rise_first():
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    wh.apply_schema(con)
    start = date(2024, 11, 1)
    # 28 baseline days: a steady 25% football, 5% health; on the last day health jumps to 40%
    for i in range(29):
        day = (start + timedelta(days=i)).isoformat()
        last = i == 28
        mix = (
            ["h1", "h1", "h1", "h1", "f1", "f1", "o1", "o1", "o1", "o1"]
            if last
            else (["f1", "f1", "f1", "f1", "f1", "h1"] + ["o1"] * 14)
        )
        _insert_snapshot(con, f"s{i}", _utc(day, 12), mix)
    _finish_headlines(con, {"h1": "santé", "f1": "foot", "o1": "autre"}, {"h1": "health", "f1": "football"})
    ranked = rising_topics(con)
    assert ranked["topic"].tolist() == ["health", "football"]
    health = ranked.iloc[0]
    assert (health["share_now"], health["share_base"]) == (0.4, 0.05)
    # log2((0.40 + 0.01) / (0.05 + 0.01))
    assert health["score"] == pytest.approx(2.773, abs=1e-3)
    # as of a baseline day nothing rises: both at their steady share
    steady = rising_topics(con, as_of=date(2024, 11, 20))
    assert steady["score"].abs().max() == pytest.approx(0.0, abs=1e-3)


def test_article_volume_by_week_and_month():
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    wh.apply_schema(con)
    rows = [
        # id, outlet, published, suspect
        ("a1", "Hespress", "2024-12-02", False),
        ("a2", "Hespress", "2024-12-04", False),
        ("a3", "Le360", "2024-12-30", False),
        ("a4", "Le360", "2031-01-01", True),  # a suspect date opens no period
    ]
    for article_id, outlet, published, suspect in rows:
        con.execute(
            "insert into articles values (?, 't', ?, 'd', 'fr', [], [], 'b', null, ?, true, ?, ?, "
            "'byline', 'fr', 'dump', now())",
            [article_id, outlet, outlet, published, suspect],
        )
    con.execute(
        "insert into article_topics (article_id, topic, matched_terms, via, found_in, taxonomy_version) "
        "values ('a1', 'defense', ['armée'], 'term', 'title', 'test')"
    )
    con.execute(
        "insert into article_topics (article_id, topic, matched_terms, via, found_in, taxonomy_version) "
        "values ('a2', 'defense', ['armée'], 'term', 'body', 'test')"
    )
    volume = {
        (g, str(p), t, o): n for g, p, t, o, n in con.execute("select * from article_volume").fetchall()
    }
    assert volume[("week", "2024-12-02", "defense", "Hespress")] == 2
    # 2024-12-30 is a Monday in December's last ISO week, untagged
    assert volume[("week", "2024-12-30", "none", "Le360")] == 1
    assert volume[("month", "2024-12-01", "defense", "Hespress")] == 2
    assert volume[("month", "2024-12-01", "none", "Le360")] == 1
    assert not any(p.startswith("2031") for _, p, _, _ in volume)


# ---------------------------------------------------------------- CLI


@pytest.fixture
def warehouse_file(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> Path:
    path = tmp_path / "w.duckdb"
    con.execute(f"attach '{path}' as f")
    con.execute("copy from database memory to f")
    con.execute("detach f")
    return path


def test_cli_trends_json_and_plots(warehouse_file, tmp_path, capsys):
    args = ["trends", "--topic", "defense,football", "--by", "day", "--warehouse", str(warehouse_file)]
    assert main([*args, "--format", "json", "--plot", str(tmp_path / "t.png")]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["period_start"][:10], r["topic"], r["share"]) for r in rows} >= {
        ("2024-12-02", "defense", 0.25),
        ("2024-12-03", "defense", 0.25),
    }
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main([*args, "--plot", str(tmp_path / "t.png")]) == 0  # drawn again over the last one
    assert main([*args, "--plot", str(tmp_path / "t.html")]) == 0
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "plotly.js v" in page and "<table" in page and "football" in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # an unknown plot format, refused before the table is printed, not silently written
        (["--plot", "{tmp}/t.svg"], "--plot wants a .png or .html file, got 't.svg'"),
        (["--rising", "--plot", "{tmp}/t.png"], "--rising has none to draw"),
        (["--from", "2024-12-03", "--to", "2024-12-02"], "--from 2024-12-03 is after --to 2024-12-02"),
        (["--plot", "{tmp}/w.duckdb/t.png"], "is a file, not a folder"),
        (["--rising", "--days", "0"], "--days wants 1 or more"),
        (["--rising", "--from", "2024-12-01"], "--from does not apply"),
        (["--rising", "--topic", "defence"], "unknown topic 'defence': nearest 'defense'"),
    ],
)
def test_cli_trends_refuses_bad_arguments_before_printing(warehouse_file, tmp_path, capsys, args, message):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(["trends", *argv, "--warehouse", str(warehouse_file)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("tickerhouse trends: ") and message in captured.err
    assert captured.err.count("\n") == 1 and not list(tmp_path.glob("t.*"))


@pytest.mark.parametrize(
    ("topics", "named"),
    [
        ("nonsense", "'nonsense': nearest "),
        # one typo among good slugs must not drop football silently
        ("defense,footbal", "'footbal': nearest 'football'"),
    ],
)
def test_cli_trends_unknown_topic_exits_2_naming_the_valid_ones(warehouse_file, capsys, topics, named):
    assert main(["trends", "--topic", topics, "--warehouse", str(warehouse_file)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("tickerhouse trends: unknown topic ") and named in captured.err
    valid = captured.err.split("valid topics: ")[1].strip().split(", ")
    assert {"defense", "football", "weather"} <= set(valid) and "'defense':" not in captured.err


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_cli_trends_dates_are_iso_days(warehouse_file, capsys, fmt):
    assert main(["trends", "--topic", "defense", "--format", fmt, "--warehouse", str(warehouse_file)]) == 0
    out = capsys.readouterr().out
    if fmt == "csv":
        days = [line.split(",")[0] for line in out.splitlines()[1:]]
    else:
        days = [json.loads(line)["period_start"] for line in out.splitlines()]
    assert days == ["2024-12-02", "2024-12-03", "2024-12-04"]


def test_cli_trends_rising_csv_says_its_day_and_windows(warehouse_file, capsys):
    assert main(["trends", "--rising", "--warehouse", str(warehouse_file), "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("topic,score,share_now")
    assert {line.split(",")[0] for line in captured.out.splitlines()[1:]} == {"defense", "football"}
    # the newest day is 2024-12-04 in Casablanca (00:30 local); the baseline is the 28 days before
    assert captured.err.splitlines()[0] == (
        "rising topics as of 2024-12-04: share of ticker slots 2024-12-04 to 2024-12-04 (1 day) "
        "against 2024-11-06 to 2024-12-03 (28 days before)"
    )
    args = ["trends", "--rising", "--days", "2", "--to", "2024-12-03", "--warehouse", str(warehouse_file)]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "ticker slots 2024-12-02 to 2024-12-03 (2 days) against 2024-11-04 to 2024-12-01" in captured.err
    assert main([*args, "--topic", "football", "--format", "csv"]) == 0
    assert [line.split(",")[0] for line in capsys.readouterr().out.splitlines()] == ["topic", "football"]


def test_cli_tag_prints_language_topics_and_terms(tmp_path, capsys):
    lines = tmp_path / "headlines.txt"
    lines.write_text("الجيش الملكي يفوز في مباراة البطولة\n\n", encoding="utf-8")
    assert main(["tag", "Les FAR mènent des manœuvres militaires", "--file", str(lines)]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["language"] == "fr"
    assert first["topics"][0]["topic"] == "defense"
    assert "FAR" in first["topics"][0]["matched_terms"]
    assert second["language"] == "ar"
    assert [t["topic"] for t in second["topics"]][:2] == ["football", "sports"]
    # why: the heads' score of every topic and the example headlines nearest the text
    assert first["scores"]["defense"] > first["scores"]["football"]
    assert len(first["nearest_examples"]) == 3 and first["model_version"]
    assert {t["via"] for t in second["topics"]} <= {"term", "rubric", "model", "parent:football"}
