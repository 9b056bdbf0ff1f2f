import bisect
import csv
import io
import itertools
import re
import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpers import SHARED
from tickerhouse.samples.corpus import BAD_KINDS, SampleFile, generate_corpus, main, write_corpus

SEED = SHARED / "seeds" / "000_46a3b748499c8f06.txt"
CASABLANCA = ZoneInfo("Africa/Casablanca")
NBSP4 = "\u00a0" * 4
STAMPED = re.compile(r"maghress-(fr|ar)_(\d{8}T\d{6}Z)\.txt$")
BYLINES = {
    "fr": re.compile(r"^Publié dans .+ le \S.*\d$"),
    "ar": re.compile(r"^نشر في .+ يوم \S.*[\d\u0660-\u0669]$"),
}
WIDGETS = {"fr": "Merci d'avoir signalé!", "ar": "شكرا على التبليغ!"}
FOOTERS = {
    "fr": "Cliquez ici pour lire l'article depuis sa source.",
    "ar": "اضغط هنا لقراءة الخبر من مصدره.",
}


@pytest.fixture(scope="module")
def demo() -> list[SampleFile]:
    """The bundled demo's parameters: 400 dumps, one snapshot per edition every 3 hours."""
    return list(generate_corpus(400, interval_minutes=180))


def _signature(text: str, edition: str) -> str:
    """One letter per line: Ticker, Empty, Widget, tItle, Byline, Paragraph, Caption, Footer."""
    letters = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if i == 0 and NBSP4 in line:
            letters.append("T")
        elif not line:
            letters.append("E")
        elif line == FOOTERS[edition]:
            letters.append("F")
        elif line == WIDGETS[edition] or (letters[-1:] == ["W"] and letters.count("W") == 1):
            letters.append("W")
        elif BYLINES[edition].match(line):
            letters.append("B")
        elif i + 1 < len(lines) and BYLINES[edition].match(lines[i + 1]):
            letters.append("I")
        elif len(line) > 40 and line[-1] in ".»!?":  # captions never end with punctuation
            letters.append("P")
        else:
            letters.append("C")
    return "".join(letters)


# The seed's structure: ticker, 7 empty lines, 2 widget lines, 3 empty, title, byline, empty,
# paragraphs with at most one caption between them (optionally before/after), 2 empty, footer.
LAYOUT = re.compile(r"TE{7}WWE{3}IBEC?P(C?P)*C?EEF")


def _dumps(files: list[SampleFile], edition: str, kind: str = "dump") -> list[SampleFile]:
    return [f for f in files if f.kind == kind and f.relpath.startswith(f"{edition}/")]


def test_same_arguments_give_the_same_corpus():
    first = list(generate_corpus(300, seed=7))
    assert first == list(generate_corpus(300, seed=7))
    assert first != list(generate_corpus(300, seed=8))


def test_seed_dump_has_the_layout_the_generator_copies():
    if not SEED.exists():
        pytest.skip("../shared is absent")
    assert LAYOUT.fullmatch(_signature(SEED.read_text(encoding="utf-8"), "fr"))


@pytest.mark.parametrize("edition", ["fr", "ar"])
def test_dumps_follow_the_seed_layout(demo, edition):
    dumps = _dumps(demo, edition)
    assert len(dumps) > 100
    for sample in dumps:
        text = sample.data.decode("utf-8")
        assert LAYOUT.fullmatch(_signature(text, edition)), sample.relpath
        ticker = text.split("\n", 1)[0]
        # Every headline, the last one included, is followed by exactly 4 NBSP.
        assert ticker.endswith(NBSP4) and "\u00a0" * 5 not in ticker
        assert 40 <= ticker.count(NBSP4) <= 60
        assert not text.endswith("\n")


def test_french_dump_boilerplate_is_byte_identical_to_the_seed(demo):
    if not SEED.exists():
        pytest.skip("../shared is absent")
    seed_lines = SEED.read_text(encoding="utf-8").split("\n")
    lines = _dumps(demo, "fr")[0].data.decode().split("\n")
    assert lines[1:13] == seed_lines[1:13]
    assert lines[-3:] == seed_lines[-3:]


def _capture_times(files: list[SampleFile]) -> dict[str, tuple[datetime | None, str]]:
    """relpath -> (capture time from name or manifest, how it was known) for every dump."""
    listed: dict[str, datetime] = {}
    for manifest in (f for f in files if f.kind == "manifest"):
        folder = manifest.relpath.rsplit("/", 1)[0]
        for row in csv.DictReader(io.StringIO(manifest.data.decode())):
            listed[f"{folder}/{row['file']}"] = datetime.fromisoformat(row["captured_at"])
    times: dict[str, tuple[datetime | None, str]] = {}
    for sample in files:
        if sample.kind == "manifest":
            continue
        stamped = STAMPED.search(sample.relpath)
        if stamped:
            moment = datetime.strptime(stamped.group(2), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            times[sample.relpath] = (moment, "name")
        elif sample.relpath in listed:
            times[sample.relpath] = (listed[sample.relpath], "manifest")
        else:
            times[sample.relpath] = (None, "mtime")
    return times


def test_capture_time_from_name_or_manifest_agrees_with_mtime_and_folder(demo):
    times = _capture_times(demo)
    by_path = {f.relpath: f for f in demo}
    sources = [source for _, source in times.values()]
    # Mostly stamped names, about a tenth listed in manifests, and a few known only by mtime.
    assert sources.count("name") > 0.8 * len(sources)
    assert 0.03 * len(sources) < sources.count("manifest") < 0.2 * len(sources)
    assert sources.count("mtime") >= 1
    for relpath, (moment, _) in times.items():
        if moment is None:
            continue
        assert 0 < by_path[relpath].mtime - moment.timestamp() < 10, relpath
        if by_path[relpath].kind != "duplicate":
            folder_day = relpath.split("/")[1]
            assert moment.astimezone(CASABLANCA).date().isoformat() == folder_day, relpath


def test_manifests_use_iso_8601_with_offset(demo):
    manifests = [f for f in demo if f.kind == "manifest"]
    assert manifests
    for manifest in manifests:
        lines = manifest.data.decode().splitlines()
        assert lines[0] == "file,captured_at"
        for line in lines[1:]:
            assert re.fullmatch(r"page-\d+\.txt,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", line)


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


BAD_KIND_CHECKS = {
    # nothing at all
    "empty": lambda data, files: data == b"",
    # looks non-empty but holds only spaces, newlines, tabs and NBSP
    "whitespace": lambda data, files: data and not data.decode().replace("\u00a0", " ").strip(),
    # not text in any encoding a reader would guess
    "random_bytes": lambda data, files: _utf8(data) is None and b"Publi" not in data,
    # a run of NUL bytes where the end of the dump should be
    "nul_bytes": lambda data, files: data.endswith(b"\x00" * 16),
    # valid UTF-8 dump behind a byte-order mark
    "bom": lambda data, files: data.startswith(b"\xef\xbb\xbf") and _utf8(data[3:]) is not None,
    # invalid as UTF-8, a valid French dump as Windows-1252
    "cp1252": lambda data, files: _utf8(data) is None and "Publié dans" in data.decode("cp1252"),
    # valid UTF-8 that shows double-encoded accents
    "mojibake": lambda data, files: "PubliÃ© dans" in (_utf8(data) or ""),
    # only the last, cut-off character is invalid
    "truncated": lambda data, files: _utf8(data) is None and _utf8(data[:-1]) is not None,
    # a saved web page: marquee anchors separated by 4 &nbsp;, title, byline paragraph
    "html": lambda data, files: (
        data.startswith(b"<!DOCTYPE html>")
        and b"</a>&nbsp;&nbsp;&nbsp;&nbsp;<a href=" in data
        and b"<h1>" in data
    ),
    # article but no ticker line
    "article_only": lambda data, files: NBSP4 not in data.decode() and "\n\n\n" in data.decode(),
    # boilerplate and footer only
    "no_content": lambda data, files: NBSP4 not in data.decode() and data.count(b"\n") < 12,
    # the same bytes as another file
    "duplicate": lambda data, files: sum(f.data == data for f in files) >= 2,
    # two separators in a row: an empty anchor, as in the real Arabic ticker
    "empty_entries": lambda data, files: NBSP4 * 2 in data.decode().split("\n")[0],
}


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_every_bad_kind_is_present_and_looks_its_part(demo, kind):
    found = [f for f in demo if f.kind == kind]
    assert found, kind
    for sample in found:
        assert BAD_KIND_CHECKS[kind](sample.data, demo), sample.relpath


def test_bad_files_stay_a_small_share(demo):
    dumps = [f for f in demo if f.kind != "manifest"]
    bad = [f for f in dumps if f.kind in BAD_KINDS]
    assert len(dumps) == 400
    assert len(BAD_KINDS) <= len(bad) <= 0.05 * len(dumps)
    assert 0.04 < sum(f.kind == "ticker_only" for f in dumps) / len(dumps) < 0.2


def _tickers(files: list[SampleFile], edition: str) -> list[tuple[datetime, set[str]]]:
    times = _capture_times(files)
    out = []
    for sample in _dumps(files, edition):
        moment, _ = times[sample.relpath]
        if moment is not None:
            ticker = sample.data.decode().split("\n", 1)[0]
            out.append((moment, {h for h in ticker.split(NBSP4) if h}))
    return sorted(out, key=lambda pair: pair[0])


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b)


@pytest.mark.parametrize("edition", ["fr", "ar"])
def test_headlines_persist_across_snapshots_and_turn_over_within_a_week(edition):
    files = list(generate_corpus(1600, interval_minutes=30))  # 800 snapshots: 16+ days
    tickers = _tickers(files, edition)
    consecutive = [
        _jaccard(a, b)
        for (ta, a), (tb, b) in itertools.pairwise(tickers)
        if (tb - ta).total_seconds() <= 3600
    ]
    times = [t for t, _ in tickers]
    week_apart = []
    for t, a in tickers:
        later = bisect.bisect_left(times, t + timedelta(days=7))
        if later < len(times) and times[later] - t < timedelta(days=7, hours=1):
            week_apart.append(_jaccard(a, tickers[later][1]))
    assert statistics.mean(consecutive) > 0.8
    assert week_apart and statistics.mean(week_apart) < 0.1


def test_daily_headlines_state_the_snapshot_local_date(demo):
    months = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    seen = 0
    for sample in _dumps(demo, "fr"):
        ticker = sample.data.decode().split("\n", 1)[0]
        for day, month, year in re.findall(r"Cours des devises du \w+ (\d+) (\w+) (\d{4})", ticker):
            folder_day = sample.relpath.split("/")[1]
            stated = f"{year}-{months.split().index(month) + 1:02d}-{int(day):02d}"
            assert stated == folder_day, sample.relpath
            seen += 1
    assert seen > 10


def test_mean_dump_size_is_seed_like(demo):
    sizes = [len(f.data) for f in demo if f.kind != "manifest"]
    assert 5000 <= statistics.mean(sizes) <= 9000


def test_write_corpus_writes_what_generate_corpus_yields(tmp_path):
    expected = list(generate_corpus(250, seed=3))
    stats = write_corpus(tmp_path, 250, seed=3)
    on_disk = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert [p.relative_to(tmp_path).as_posix() for p in on_disk] == sorted(f.relpath for f in expected)
    for sample in expected:
        path = tmp_path / sample.relpath
        assert path.read_bytes() == sample.data
        assert path.stat().st_mtime == pytest.approx(sample.mtime, abs=1e-3)
    assert stats.files == len(expected)
    assert stats.bytes == sum(len(f.data) for f in expected)
    assert sum(stats.by_kind.values()) == stats.files
    assert stats.by_kind["manifest"] == sum(f.kind == "manifest" for f in expected)


def test_command_line_writes_the_corpus(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--dumps", "40", "--interval-minutes", "180"]) == 0
    assert len(list(tmp_path.rglob("*.txt"))) == 40
    assert "wrote" in capsys.readouterr().out
