"""One ingest of a folder of hostile files beside good dumps: each one loaded with flags or rejected with
a specific reason, the good ones loaded, the run's counts right."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from helpers import query
from tickerhouse.flows.ingest_dumps import ingest_dumps

NBSP4 = "\u00a0" * 4
SQLI = "'); DROP TABLE articles; --"
BODY = "Le texte de l'article, une phrase complète qui se termine par un point."


def _dump(
    title: str, outlet: str, date: str, ticker: tuple[str, ...] = ("Un titre", "Un autre titre")
) -> str:
    line1 = "".join(h + NBSP4 for h in ticker)
    return f"{line1}\n\n{title}\nPublié dans {outlet} le {date}\n{BODY}\n"


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.fixture(scope="module")
def hostile(prefect_harness, seed_bytes, tmp_path_factory) -> tuple[Path, dict, dict[str, Path]]:
    """The hostile folder ingested once: (warehouse, run summary, name -> path)."""
    folder = tmp_path_factory.mktemp("landing")
    seed = seed_bytes.decode("utf-8")
    lines = seed.split("\n")
    rng = random.Random(6)
    files = {
        "good_seed": _write(folder, "good/seed.txt", seed_bytes),
        "good_article": _write(
            folder, "good/article.txt", _dump("Un bon titre", "Hespress", "05 - 03 - 2024")
        ),
        "empty": _write(folder, "empty.txt", b""),
        "nbsp_only": _write(folder, "nbsp_only.txt", "\u00a0\u00a0 \n\t\u00a0\n"),
        "random_bytes": _write(folder, "random.bin", rng.randbytes(8192)),
        # 50 MB, ten times the default TICKERHOUSE_MAX_DUMP_BYTES
        "huge": _write(folder, "huge.txt", seed_bytes * (50 * 1024 * 1024 // len(seed_bytes) + 1)),
        "nul_bytes": _write(folder, "nul.txt", seed_bytes[:3000] + b"\x00" * 64 + seed_bytes[3000:]),
        # a 2 MB paragraph line: under the size limit, so loaded
        "long_line": _write(
            folder, "long_line.txt", _dump("Titre", "Le360", "01 - 02 - 2024") + "mot " * 500_000
        ),
        "invalid_utf8_mid": _write(
            folder, "invalid_mid.txt", seed_bytes[:4000] + b"\xff\xfe\xfa" + seed_bytes[4000:]
        ),
        "mixed_encodings": _write(
            folder,
            "mixed.txt",
            "\n".join(lines[:6]).encode() + b"\n" + "\n".join(lines[6:]).encode("cp1252", errors="replace"),
        ),
        "mojibake": _write(folder, "mojibake.txt", seed.encode("utf-8").decode("latin-1").encode("utf-8")),
        "truncated": _write(
            folder,
            "truncated.txt",
            _dump("Titre", "Le360", "01 - 02 - 2024").encode()[:-1] + "é".encode()[:1],
        ),
        "html": _write(
            folder,
            "page.html",
            "<!doctype html><html><body><marquee><a>Premier titre</a><a>Second titre</a></marquee>"
            "<h1>Un titre HTML</h1><p>Publié dans Le Matin le 12 - 06 - 2024</p>"
            f"<p>{BODY}</p></body></html>",
        ),
        "ticker_5000": _write(
            folder, "ticker5000.txt", "".join(f"Titre numéro {i}" + NBSP4 for i in range(5000))
        ),
        "date_zero": _write(folder, "date_zero.txt", _dump("Date nulle", "Hespress", "00 - 00 - 0000")),
        "date_impossible": _write(
            folder, "date_impossible.txt", _dump("Date impossible", "Hespress", "31 - 02 - 2021")
        ),
        "date_future": _write(folder, "date_future.txt", _dump("Date future", "Hespress", "10 - 10 - 2031")),
        "outlet_10k": _write(folder, "outlet_10k.txt", _dump("Titre", "X" * 10_000, "01 - 02 - 2024")),
        "sql_text": _write(
            folder, f"{SQLI}.txt", _dump(SQLI, SQLI, "01 - 02 - 2024", ticker=(SQLI, "Autre"))
        ),
        "odd_path": _write(
            folder, 'dossier avec espaces/l\'« été » "cité" ضوء.txt', _dump("Été", "Le360", "02 - 02 - 2024")
        ),
    }
    files["symlink"] = folder / "link_to_seed.txt"
    files["symlink"].symlink_to(files["good_seed"])
    files["dangling"] = folder / "dangling.txt"
    files["dangling"].symlink_to(folder / "nowhere.txt")
    files["loop"] = folder / "loop.txt"
    files["loop"].symlink_to(files["loop"])
    files["folder_loop"] = folder / "good" / "back_up"
    files["folder_loop"].symlink_to(folder)  # never followed: the walk cannot loop
    if os.geteuid() != 0:  # root reads any file whatever its mode: then there is no unreadable file to make
        files["unreadable"] = _write(folder, "unreadable.txt", seed_bytes[:2000])
        files["unreadable"].chmod(0)
    target = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    summary = ingest_dumps(paths=[str(folder)], warehouse=str(target))
    return target, summary, files


def _status(target: Path, path: Path) -> tuple[str | None, str | None, list[str]]:
    """(raw_dumps status, reject reason, repairs) of the file at path."""
    reject = query(target, "select reason from rejects where path = ?", [str(path)])
    dump = query(
        target,
        "select d.status, d.repairs from dump_files f join raw_dumps d using (dump_id) where f.path = ?",
        [str(path)],
    )
    status, repairs = dump[0] if dump else (None, [])
    return status, reject[0][0] if reject else None, list(repairs or [])


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty", "empty file"),
        ("nbsp_only", "whitespace only"),  # NBSP is whitespace: nothing visible
        ("random_bytes", "binary content"),
        ("huge", "too large"),  # its own reason, from the size-limit setting
        ("dangling", "unreadable"),  # a symlink to nothing is reported, not skipped
        ("loop", "unreadable"),  # a symlink to itself
        ("folder_loop", "unreadable"),  # a symlink to a folder above it: reported, not walked
    ],
)
def test_hostile_file_is_rejected_with_its_reason(hostile, name, reason):
    target, _, files = hostile
    _, got, _ = _status(target, files[name])
    assert got == reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file of any mode")
def test_unreadable_file_is_rejected(hostile):
    target, _, files = hostile
    assert _status(target, files["unreadable"])[1] == "unreadable"


@pytest.mark.parametrize(
    ("name", "repair"),
    [
        ("good_seed", None),
        ("good_article", None),
        ("nul_bytes", "nul_bytes_removed_64"),
        ("long_line", None),
        ("invalid_utf8_mid", "mixed_encoding_"),  # the bad line read as Windows-1252, the rest as UTF-8
        ("mixed_encodings", "mixed_encoding_"),
        ("mojibake", "mojibake_repaired"),
        ("truncated", "truncated_multibyte_tail_dropped"),
        ("html", "html_page_converted"),
        ("ticker_5000", None),
        ("date_zero", None),
        ("date_impossible", None),
        ("date_future", None),
        ("outlet_10k", None),
        ("sql_text", None),
        ("odd_path", None),
    ],
)
def test_hostile_file_is_loaded_with_its_flags(hostile, name, repair):
    target, _, files = hostile
    status, reason, repairs = _status(target, files[name])
    assert (status, reason) == ("loaded", None)
    if repair:
        assert any(r.startswith(repair) for r in repairs), repairs


@pytest.mark.parametrize(
    ("title", "published", "suspect"),
    [
        ("Date nulle", None, True),  # 00 - 00 - 0000: no such date
        ("Date impossible", None, True),  # 31 February
        ("Date future", "2031-10-10", True),  # after the capture: kept, flagged
        ("Un bon titre", "2024-03-05", False),
    ],
)
def test_byline_dates_are_kept_or_flagged(hostile, title, published, suspect):
    target, _, _ = hostile
    rows = query(
        target, "select published_date::varchar, date_suspect from articles where title = ?", [title]
    )
    assert rows == [(published, suspect)]


def test_giant_ticker_and_outlet_and_sql_text_load_verbatim(hostile):
    target, _, files = hostile
    assert query(target, "select max(n_items) from ticker_snapshots") == [(5000,)]
    assert query(target, "select source_known from articles where length(source_raw) = 10000") == [(False,)]
    # The SQL-looking text is data: stored as written, and the articles table is still there.
    assert query(target, "select source_raw from articles where title = ?", [SQLI]) == [(SQLI,)]
    assert query(target, "select count(*) from ticker_items where headline = ?", [SQLI]) == [(1,)]
    assert query(target, "select count(*) from dump_files where path = ?", [str(files["sql_text"])]) == [(1,)]


def test_symlink_to_a_file_loads_its_dump_once(hostile):
    target, _, files = hostile
    paths = [str(files["good_seed"]), str(files["symlink"])]
    rows = query(
        target, "select count(*), count(distinct dump_id) from dump_files where path in (?, ?)", paths
    )
    assert rows == [(2, 1)]


def test_every_file_is_accounted_for_and_counted(hostile):
    target, summary, files = hostile
    assert summary["files_new"] == len(files) == summary["files_seen"]
    n_rejected = sum(1 for p in files.values() if _status(target, p)[1])
    assert summary["dumps_rejected"] == n_rejected
    # Two names (the seed and its symlink) share one dump.
    assert summary["dumps_loaded"] == len(files) - n_rejected - 1
    assert not any(summary["checks"].values()), summary["checks"]
