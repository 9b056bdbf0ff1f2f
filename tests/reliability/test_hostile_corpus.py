"""The hostile-intake corpus, every case of issue 12 in one landing folder beside good dumps: each file ends
loaded (with its flag) or rejected (with its reason), no run hangs (each under a deadline), checks pass,
the export works, and ingesting the corpus in another order and split gives the same warehouse."""

from __future__ import annotations

import os
import random
from datetime import datetime
from pathlib import Path

import pytest
from test_hostile_intake import UNDECODABLE, _specials, deadline

from helpers import query
from tickerhouse.cli import main
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.transforms.source_file import stored_path

FUTURE = "2031-01-01T00:00:00Z"
XHTML = (
    "<?xml version='1.0' encoding='UTF-8' ?>\n"
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"'
    ' "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<!-- rendered by JSF -->\n  \n'
    '<html xmlns="http://www.w3.org/1999/xhtml"><body><marquee><a>Premier titre</a><a>Second titre</a>'
    "</marquee><h1>Un titre</h1><p>Publié dans Le Matin le 12 - 06 - 2024</p></body></html>"
)


def _write_time(path: Path, iso: str) -> None:
    stamp = datetime.fromisoformat(iso).timestamp()
    os.utime(path, (stamp, stamp), follow_symlinks=False)


def _corpus(root: Path, seed: bytes) -> tuple[Path, dict[str, str]]:
    """Two folders of hostile files and good ones, every content distinct; return the landing folder and
    file -> what it must end as: `loaded` (with a flag after the colon, if any) or `rejected: <reason>`."""
    landing, outside = root / "landing", root / "outside"
    part1, part2 = landing / "part1", landing / "part2"
    for folder in (part1, part2, outside):
        folder.mkdir(parents=True)
    text = seed.decode("utf-8")
    expected: dict[str, str] = {}

    def put(path: Path, data: bytes, outcome: str) -> None:
        path.write_bytes(data)
        expected[str(path)] = outcome

    # part1: special files, names, manifests, future times, a symlink out, empty and binary
    for path in _specials(part1).values():
        expected[str(path)] = "rejected: special file"
    put(part1 / "good_a.txt", seed + b"\nvariante a\n", "loaded: manifest")
    put(part1 / "manifest_2031.txt", seed + b"\nvariante m\n", "loaded: ticker_date")
    put(
        part1 / "maghress-fr_20310101T000000Z.txt",
        seed + b"\nvariante n\n",
        "loaded: future_filename_time_ignored",
    )
    put(
        part1 / "mtime_2031.txt",
        "Une brève\u00a0\u00a0Deux brèves\u00a0\u00a0Trois\n".encode(),
        "rejected: future capture time",
    )
    _write_time(part1 / "mtime_2031.txt", FUTURE)
    (part1 / "manifest.csv").write_bytes(
        b"File,Captured_At\ngood_a.txt,2024-12-23T10:15:00+01:00\n"
        + f"manifest_2031.txt,{FUTURE}\nmtime_2031.txt,{FUTURE}\n".encode()
        + b'"stray,quote\n\xff\xfe,x\ngood_a.txt,2024-12-23T10:15:00+01:00\n'
    )
    undecodable = os.fsencode(part1) + b"/" + UNDECODABLE
    with open(undecodable, "wb") as handle:
        handle.write(seed + b"\nvariante u\n")
    expected[os.fsdecode(undecodable)] = "loaded"
    (outside / "secret.txt").write_bytes(seed + b"\nsecret\n")
    (part1 / "out.txt").symlink_to(outside / "secret.txt")
    expected[str(part1 / "out.txt")] = "rejected: outside the landing folder"
    put(part1 / "empty.txt", b"", "rejected: empty file")
    put(part1 / "nbsp.txt", "\u00a0 \u00a0\n".encode(), "rejected: whitespace only")
    put(part1 / "random.bin", random.Random(12).randbytes(4096), "rejected: binary content")
    # part2: damaged encodings, saved pages, a 2 MB single token, a UTF-16 manifest
    put(part2 / "xhtml.html", XHTML.encode(), "loaded: html_page_converted")
    put(
        part2 / "utf16.txt",
        (text + "\nvariante 16\n").encode("utf-16-le"),
        "loaded: utf16_without_bom_decoded",
    )
    put(part2 / "token_2mb.txt", b"x" * 2_000_000 + "\u00a0\u00a0Deuxième titre\n".encode(), "loaded")
    put(part2 / "nul_tail.txt", seed + b"\nvariante z\n" + b"\0" * 4096, "loaded: nul_bytes_removed_4096")
    mojibake = (text + "\nvariante é\n").encode("utf-8").decode("latin-1").encode("utf-8")
    put(part2 / "mojibake.txt", mojibake, "loaded: mojibake_repaired")
    put(
        part2 / "cp1252.txt", (text + "\nvariante c\n").encode("cp1252", errors="replace"), "loaded: manifest"
    )
    put(part2 / "truncated.txt", seed[: len(seed) // 2], "loaded")
    put(part2 / "good_b.txt", seed + b"\nvariante b\n", "loaded")
    (part2 / "manifest.csv").write_bytes(
        "file,captured_at\ncp1252.txt,2024-12-23 11:00:00\n".encode("utf-16")
    )
    # one capture, stated by the file name, read half-written (part2, ingested first by the split run)
    # and again complete (part1): one snapshot, the complete one, the half kept superseded
    captured = seed.replace(b"Cours des devises", b"Cours des devises (h)")
    stamp = "maghress-fr_20241224T080000Z.txt"
    put(part2 / stamp, captured[: len(captured) // 2], "superseded")
    put(part1 / stamp, captured, "loaded: filename")
    # one content stated at two instants (the ticker had not moved): a snapshot at each
    unmoved = seed + b"\nvariante i\n"
    put(part1 / "maghress-fr_20241224T090000Z.txt", unmoved, "loaded: filename")
    put(part2 / "maghress-fr_20241224T091500Z.txt", unmoved, "loaded: filename")
    # a content with no stated time in two files: dated by the earlier mtime, which the split run sees last
    unstated = seed.replace("du lundi 23 décembre 2024".encode(), b"du jour") + b"\nvariante t\n"
    put(part1 / "page-early.txt", unstated, "loaded: mtime")
    _write_time(part1 / "page-early.txt", "2024-12-24T10:00:00+00:00")
    put(part2 / "page-late.txt", unstated, "loaded: mtime")
    _write_time(part2 / "page-late.txt", "2024-12-24T12:00:00+00:00")
    return landing, expected


@pytest.fixture(scope="module")
def ingested(prefect_harness, seed_bytes, tmp_path_factory) -> dict:
    """The corpus ingested in one run, and again (a copy with the same files and times) part2 first, then
    everything in batches of two."""
    root = tmp_path_factory.mktemp("corpus")
    landing, expected = _corpus(root, seed_bytes)
    one = root / "one.duckdb"
    with deadline(300):
        summary = ingest_dumps(paths=[str(landing)], warehouse=str(one))
    split = root / "split.duckdb"
    with deadline(300):
        ingest_dumps(paths=[str(landing / "part2")], warehouse=str(split), batch_size=2)
        ingest_dumps(paths=[str(landing)], warehouse=str(split), batch_size=2)
    return {"landing": landing, "expected": expected, "summary": summary, "one": one, "split": split}


def test_every_file_ends_loaded_with_its_flag_or_rejected_with_its_reason(ingested):
    target = ingested["one"]
    got = {}
    for path, status, method, repairs, reason in query(
        target,
        "select f.path, d.status, d.capture_method, d.repairs, r.reason from dump_files as f "
        "left join raw_dumps as d using (dump_id) "
        "left join rejects as r on r.path = f.path or (r.dump_id is not null and r.dump_id = f.dump_id)",
    ):
        got[path] = f"rejected: {reason}" if reason else (status, method, list(repairs or []))
    assert set(got) == {stored_path(p) for p in ingested["expected"]}
    for path, outcome in ingested["expected"].items():
        found = got[stored_path(path)]
        if outcome.startswith("rejected"):
            assert found == outcome, path
        elif outcome == "superseded":
            assert found[0] == "superseded", (path, found)
        else:
            assert found[0] == "loaded", (path, found)
            flag = outcome.partition(": ")[2]
            assert not flag or flag == found[1] or flag in found[2], (path, found)


def test_the_run_reports_every_file_and_its_checks_pass(ingested):
    summary = ingested["summary"]
    assert summary["files_seen"] == len(ingested["expected"])
    assert not any(summary["checks"].values()), summary["checks"]
    assert len(summary["manifest_problems"]) == 5  # two 2031 rows, a stray quote, bad bytes, a repeat


def test_another_order_and_split_gives_the_same_warehouse(ingested, fingerprint_of):
    assert fingerprint_of(ingested["split"]) == fingerprint_of(ingested["one"])


def test_a_snapshot_is_one_capture_in_the_corpus(ingested):
    for target in (ingested["one"], ingested["split"]):
        by_time = dict(
            query(
                target,
                "select strftime(captured_at, '%d %H:%M'), count(*) from ticker_snapshots "
                "where captured_at >= '2024-12-24' and captured_at < '2024-12-25' group by 1",
            )
        )
        # the half-written and complete capture at 08:00 is one; the unmoved ticker counts at 09:00 and
        # 09:15; the unstated content once, at its earlier mtime (10:00), never at 12:00
        assert by_time == {"24 08:00": 1, "24 09:00": 1, "24 09:15": 1, "24 10:00": 1}
        assert query(
            target, "select n_items from ticker_snapshots where captured_at = '2024-12-24 08:00Z'"
        ) == [(48,)]


def test_exports_keep_working(ingested, tmp_path):
    for target in (ingested["one"], ingested["split"]):
        assert main(["export", "--out", str(tmp_path / target.stem), "--warehouse", str(target)]) == 0
