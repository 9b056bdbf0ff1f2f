"""Hostile intake: special files, undecodable names, bad manifests and symlinks leaving the landing folder
are each rejected (or reported) with their reason, never opened, never a hung or failed run; the good files
beside them load. Every step that could hang runs under a deadline, so a regression fails instead."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpers import query
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.io import storage
from tickerhouse.io.discovery import ManifestProblem, find_new_files, read_manifest
from tickerhouse.transforms.source_file import stored_path

UNDECODABLE = b"caf\xe9 \xff.txt"  # Latin-1 bytes in a name: not UTF-8


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail with TimeoutError if the block runs longer than `seconds` (a blocked open() included)."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _socket(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))  # the socket file stays after close


def _specials(folder: Path) -> dict[str, Path]:
    """A FIFO, a socket, a symlink to each and to a device, and a FIFO named manifest.csv."""
    files = {"fifo": folder / "pipe.txt", "socket": folder / "sock.txt"}
    os.mkfifo(files["fifo"])
    _socket(files["socket"])
    files["link_to_fifo"] = folder / "link_to_pipe.txt"
    files["link_to_fifo"].symlink_to(files["fifo"])
    files["link_to_socket"] = folder / "link_to_sock.txt"
    files["link_to_socket"].symlink_to(files["socket"])
    files["link_to_device"] = folder / "link_to_null.txt"
    files["link_to_device"].symlink_to("/dev/null")
    (folder / "sub").mkdir()
    files["fifo_manifest"] = folder / "sub" / "manifest.csv"
    os.mkfifo(files["fifo_manifest"])
    return files


SPECIAL_REASONS = {
    "fifo": "special file: FIFO, not opened",
    "socket": "special file: socket, not opened",
    "link_to_fifo": "special file: FIFO (through a symlink), not opened",
    "link_to_socket": "special file: socket (through a symlink), not opened",
    "link_to_device": "special file: character device (through a symlink), not opened",
    "fifo_manifest": "special file: FIFO, not opened",  # never read as a manifest
}


def test_special_files_are_listed_with_their_refusal_and_never_opened(tmp_path, seed_bytes):
    specials = _specials(tmp_path)
    (tmp_path / "good.txt").write_bytes(seed_bytes)
    with deadline(10):
        found, n_seen = find_new_files([str(tmp_path)], set(), allow_symlinks_outside=False)
    refusals = {f.path: f.refusal for f in found}
    assert n_seen == len(specials) + 1  # each one counted, none skipped unseen
    assert refusals.pop(str(tmp_path / "good.txt")) == ""
    assert refusals == {str(p): SPECIAL_REASONS[name] for name, p in specials.items()}


@pytest.mark.parametrize("name", ["fifo", "link_to_fifo", "link_to_device"])
def test_reading_a_special_file_fails_at_once(tmp_path, name):
    path = _specials(tmp_path)[name]
    with deadline(10), pytest.raises(storage.SpecialFileError, match="not a regular file: not opened"):
        storage.open_binary(str(path))


def test_a_fifo_named_as_the_single_file_beside_a_manifest_fifo_does_not_hang(tmp_path):
    specials = _specials(tmp_path)
    with deadline(10):
        (found,), _ = find_new_files([str(specials["fifo"])], set(), allow_symlinks_outside=False)
    assert found.refusal == SPECIAL_REASONS["fifo"]


def test_symlinks_leaving_the_landing_folder_are_refused_unless_allowed(tmp_path, seed_bytes, monkeypatch):
    landing, outside = tmp_path / "landing", tmp_path / "elsewhere"
    landing.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"root:x:0:0\n")
    (landing / "inside.txt").write_bytes(seed_bytes)
    (landing / "out.txt").symlink_to(outside / "secret.txt")
    (landing / "in.txt").symlink_to(landing / "inside.txt")  # stays inside: read as before
    found, _ = find_new_files([str(landing)], set(), allow_symlinks_outside=False)
    refusals = {Path(f.path).name: f.refusal for f in found}
    assert refusals["in.txt"] == refusals["inside.txt"] == ""
    assert refusals["out.txt"].startswith(
        f"outside the landing folder: a symlink to {outside / 'secret.txt'}"
    )
    monkeypatch.setenv("TICKERHOUSE_ALLOW_SYMLINKS_OUTSIDE", "true")
    assert all(not f.refusal for f in find_new_files([str(landing)], set())[0])


def test_an_undecodable_name_is_listed_and_stored_escaped(tmp_path, seed_bytes):
    raw = os.fsencode(tmp_path) + b"/" + UNDECODABLE
    with open(raw, "wb") as handle:
        handle.write(seed_bytes)
    (found,), _ = find_new_files([str(tmp_path)], set(), allow_symlinks_outside=False)
    assert os.fsencode(found.path) == raw  # the real name, which opens the file
    assert stored_path(found.path) == str(tmp_path) + "/caf\\xe9 \\xff.txt"
    seen = {(stored_path(found.path), found.size_bytes, found.mtime_ns)}
    assert find_new_files([str(tmp_path)], seen, allow_symlinks_outside=False) == ([], 1)


NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content", "kept", "problems"),
    [
        # invalid UTF-8 on one row: that row only
        (b"file,captured_at\na.txt,2024-12-23T10:00:00Z\nb\xff.txt,2024-12-23T11:00:00Z\n", ["a.txt"],
         [(3, "not UTF-8 (byte 0xff at column 2): row ignored")]),
        # saved as UTF-16, with or without a BOM
        ("file,captured_at\na.txt,2024-12-23T10:00:00Z\n".encode("utf-16"), ["a.txt"], []),
        ("file,captured_at\na.txt,2024-12-23T10:00:00Z\n".encode("utf-16-le"), ["a.txt"], []),
        # a capitalised header, spaces around fields
        (b"File , Captured_At\na.txt , 2024-12-23T10:00:00Z\n", ["a.txt"], []),
        # a stray quote spoils its own row, not the rows after it
        (b'file,captured_at\na.txt,"2024-12-23T10:00:00Z\nb.txt,2024-12-23T11:00:00Z\n', ["b.txt"],
         [(2, "bad quoting (unexpected end of data): row ignored")]),
        # the same row twice: kept once, reported
        (b"file,captured_at\na.txt,2024-12-23T10:00:00Z\na.txt,2024-12-23T10:00:00Z\n", ["a.txt"],
         [(3, "'a.txt' repeats line 2: kept once")]),
        # two times for one file: neither is trusted, whatever the order
        (b"file,captured_at\na.txt,2024-12-23T10:00:00Z\nb.txt,2024-12-23T10:00:00Z\na.txt,2024-12-24\n",
         ["b.txt"], [(4, "'a.txt' has another time on line 2: both ignored")]),
        # impossible, unparseable and future times (2031: beyond MANIFEST_FUTURE_TOLERANCE)
        (b"file,captured_at\na.txt,2024-02-31T10:00:00\nb.txt,1970-01-01\nc.txt,2031-01-01\nd.txt,soon\n", [],
         [(2, "captured_at '2024-02-31T10:00:00' is not an ISO 8601 time: row ignored"),
          (3, "captured_at '1970-01-01' is before 1995: row ignored"),
          (4, "captured_at '2031-01-01' is in the future: row ignored"),
          (5, "captured_at 'soon' is not an ISO 8601 time: row ignored")]),
        # a row short of a field, a file outside the folder
        (b"file,captured_at\na.txt\n../x.txt,2024-12-23T10:00:00Z\n", [],
         [(2, "1 fields, the header has 2: row ignored"),
          (3, "'../x.txt' is outside the manifest's folder: row ignored")]),
        # no header at all
        (b"a.txt,2024-12-23T10:00:00Z\n", [],
         [(1, "header 'a.txt,2024-12-23T10:00:00Z' lacks file and captured_at: manifest ignored")]),
    ],
)  # fmt: skip
def test_a_bad_manifest_keeps_its_good_rows_and_reports_the_others(tmp_path, content, kept, problems):
    manifest = tmp_path / "manifest.csv"
    manifest.write_bytes(content)
    found: list[ManifestProblem] = []
    times = read_manifest(manifest, found, now=NOW)
    assert sorted(Path(p).name for p in times) == kept
    assert [(p.line, p.reason) for p in found] == problems
    assert all(p.path == str(manifest) for p in found)


def test_two_manifests_dating_one_file_differently_date_it_neither_way(tmp_path, seed_bytes):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_bytes(seed_bytes)
    (tmp_path / "manifest.csv").write_text("file,captured_at\nsub/a.txt,2024-12-23T10:00:00Z\n")
    (tmp_path / "sub" / "manifest.csv").write_text("file,captured_at\na.txt,2024-12-23T12:00:00Z\n")
    problems: list[ManifestProblem] = []
    (found,), _ = find_new_files([str(tmp_path)], set(), problems, allow_symlinks_outside=False)
    assert found.manifest_captured_at is None
    assert [p.reason for p in problems] == [
        f"{str(tmp_path / 'sub' / 'a.txt')!r} has another time in {tmp_path / 'manifest.csv'}"
    ]


@pytest.fixture(scope="module")
def intake(prefect_harness, seed_bytes, tmp_path_factory) -> tuple[Path, dict, dict[str, Path], Path]:
    """Special files, undecodable names, a bad manifest, a symlink out, beside good dumps: ingested once."""
    folder = tmp_path_factory.mktemp("landing")
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_bytes(seed_bytes + b"\nsecret\n")
    files = _specials(folder)
    files["good"] = folder / "good.txt"
    files["good"].write_bytes(seed_bytes)
    files["dated"] = folder / "dated.txt"
    files["dated"].write_bytes(seed_bytes + b"\ndated\n")
    (folder / "manifest.csv").write_bytes(
        b"File,Captured_At\ndated.txt,2024-12-23T10:15:00+01:00\ngood.txt,2031-01-01T00:00:00Z\n\xff\xfe,x\n"
    )
    files["outside"] = folder / "out.txt"
    files["outside"].symlink_to(outside / "secret.txt")
    undecodable = os.fsencode(folder) + b"/" + UNDECODABLE
    with open(undecodable, "wb") as handle:
        handle.write(seed_bytes + b"\nundecodable\n")
    files["undecodable"] = Path(os.fsdecode(undecodable))
    rejected = os.fsencode(folder) + b"/bad\x80.bin"
    with open(rejected, "wb") as handle:
        handle.write(b"")  # an empty file: rejected like any other
    files["undecodable_empty"] = Path(os.fsdecode(rejected))
    target = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    with deadline(300):
        summary = ingest_dumps(paths=[str(folder)], warehouse=str(target))
    return target, summary, files, outside


@pytest.mark.parametrize("name", sorted(SPECIAL_REASONS))
def test_a_special_file_is_rejected_with_its_reason_by_the_ingest(intake, name):
    target, _, files, _ = intake
    rows = query(target, "select reason, detail from rejects where path = ?", [str(files[name])])
    category, detail = SPECIAL_REASONS[name].split(": ", 1)
    assert rows == [(category, detail)]


def test_undecodable_names_are_stored_escaped_and_read_like_any_other(intake):
    target, _, files, _ = intake
    path = stored_path(str(files["undecodable"]))
    assert "\\xe9" in path
    assert query(
        target,
        "select d.status from dump_files f join raw_dumps d using (dump_id) where f.path = ?",
        [path],
    ) == [("loaded",)]
    empty = stored_path(str(files["undecodable_empty"]))
    assert query(target, "select reason from rejects where path = ?", [empty]) == [("empty file",)]


def test_a_symlink_out_of_the_landing_folder_is_rejected_and_its_bytes_not_kept(intake):
    target, _, files, outside = intake
    rows = query(target, "select reason, dump_id from rejects where path = ?", [str(files["outside"])])
    assert rows == [("outside the landing folder", None)]
    secret = hashlib.sha256((outside / "secret.txt").read_bytes()).hexdigest()
    assert query(target, "select count(*) from raw_dumps where dump_id = ?", [secret]) == [(0,)]


def test_the_good_files_load_and_the_manifest_keeps_its_good_rows(intake):
    target, summary, files, _ = intake
    got = dict(
        query(
            target,
            "select f.path, d.capture_method from dump_files f join raw_dumps d using (dump_id)"
            " where d.status = 'loaded'",
        )
    )
    assert got[str(files["dated"])] == "manifest"  # a capitalised header still dates it
    assert got[str(files["good"])] != "manifest"  # its 2031 row was refused, not stored
    assert not any(summary["checks"].values()), summary["checks"]  # no_future_captures included
    assert summary["files_seen"] == len(files)
