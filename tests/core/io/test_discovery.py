"""File identity: a local file is known by its resolved absolute path, however its folder is named."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpers import query, table_counts
from tickerhouse.cli import main
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.io import discovery
from tickerhouse.io.discovery import KnownPaths, find_new_files


@pytest.fixture
def project(tmp_path, seed_bytes) -> Path:
    """<project>/data/sample: two dumps, one in a subfolder dated by a manifest, and a symlink to one."""
    sample = tmp_path / "project" / "data" / "sample"
    (sample / "fr").mkdir(parents=True)
    (sample / "a.txt").write_bytes(seed_bytes)
    (sample / "fr" / "b.txt").write_bytes(seed_bytes + b"\nautre\n")
    (sample / "fr" / "manifest.csv").write_text("file,captured_at\nb.txt,2024-12-23T10:15:00+01:00\n")
    (sample / "link.txt").symlink_to(sample / "fr" / "b.txt")
    return tmp_path / "project"


def _listing(found: list) -> list[tuple[str, datetime | None]]:
    return [(f.path, f.manifest_captured_at) for f in found]


@pytest.mark.parametrize(
    ("cwd", "name"),
    [
        ("", "data/sample"),  # relative, from the project folder
        ("", "./data/sample/"),  # the same, spelled with ./ and a trailing slash
        ("data", "sample"),  # `cd data; tickerhouse ingest sample`
        ("data/sample/fr", ".."),  # from below
        ("data", "../data/sample"),  # through the parent
        ("data/sample/fr", "{project}/data/sample"),  # absolute
    ],
)
def test_every_name_of_a_folder_lists_the_same_resolved_paths(project, monkeypatch, cwd, name):
    monkeypatch.chdir(project / cwd)
    found, n_seen = find_new_files([name.format(project=project)], set())
    sample = (project / "data" / "sample").resolve()
    stamp = datetime(2024, 12, 23, 9, 15, tzinfo=UTC)
    assert n_seen == 3
    # The symlinked file keeps its own (link) name and gets its target's manifest time, as before.
    assert _listing(found) == [
        (str(sample / "a.txt"), None),
        (str(sample / "fr" / "b.txt"), stamp),
        (str(sample / "link.txt"), stamp),
    ]


def test_a_folder_seen_under_one_name_is_not_new_under_another(project, monkeypatch):
    monkeypatch.chdir(project)
    found, _ = find_new_files(["data/sample"], set())
    seen = {(f.path, f.size_bytes, f.mtime_ns) for f in found}
    monkeypatch.chdir(project / "data")
    assert find_new_files(["sample", str(project / "data" / "sample")], seen) == ([], 3)


def test_a_symlinked_folder_named_is_resolved_to_its_target(project, tmp_path):
    alias = tmp_path / "alias"
    alias.symlink_to(project / "data" / "sample", target_is_directory=True)
    by_alias, _ = find_new_files([str(alias)], set())
    by_target, _ = find_new_files([str(project / "data" / "sample")], set())
    assert by_alias == by_target


def test_a_file_named_twice_is_listed_once(project, monkeypatch):
    monkeypatch.chdir(project / "data")
    found, n_seen = find_new_files(["sample", "sample/fr", "sample/fr/b.txt"], set())
    assert n_seen == 3
    assert [f.path for f in found] == sorted({f.path for f in found})
    # A file named on its own is known by its resolved path, and its folder's manifest still dates it.
    (single,), _ = find_new_files(["sample/fr/b.txt"], set())
    assert single == found[1]


def test_known_paths_resolve_the_folder_and_keep_the_file_name(project, tmp_path):
    sample = project / "data" / "sample"
    alias = tmp_path / "alias"
    alias.symlink_to(sample, target_is_directory=True)
    known = KnownPaths(str(project))
    assert known.of("data/sample/a.txt") == str(sample / "a.txt")  # relative: read against the base
    assert known.of(str(alias / "fr" / "b.txt")) == str(sample / "fr" / "b.txt")  # the folder's link resolved
    assert known.of(str(alias / "link.txt")) == str(sample / "link.txt")  # the file's own link kept
    assert known.of("s3://bucket/dumps/a.txt") == "s3://bucket/dumps/a.txt"  # a URL as written
    assert known.of("data/gone/x.txt") == str(project / "data" / "gone" / "x.txt")  # a folder no longer there


def test_ingest_by_another_name_of_the_same_folder_reads_nothing(
    prefect_harness, project, tmp_path, monkeypatch, capsys
):
    target = tmp_path / "w.duckdb"
    monkeypatch.chdir(project)
    first = ingest_dumps(paths=["data/sample"], warehouse=str(target))
    assert first["files_new"] == 3
    sample = (project / "data" / "sample").resolve()
    stored = query(target, "select path from dump_files order by path")
    assert stored == [(str(sample / name),) for name in ("a.txt", "fr/b.txt", "link.txt")]
    counts = table_counts(target)
    again = ingest_dumps(paths=[str(project / "data" / "sample")], warehouse=str(target))
    assert (again["files_seen"], again["files_new"]) == (3, 0)
    assert again["rows_added"] == dict.fromkeys(first["rows_added"], 0)
    assert table_counts(target) == counts
    # `cd data; tickerhouse ingest sample` finds nothing new before starting a flow run.
    monkeypatch.chdir(project / "data")
    capsys.readouterr()
    assert main(["ingest", "sample", "--warehouse", str(target), "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("nothing new: files seen 3, new 0")
    assert table_counts(target) == counts


def test_manifests_are_read_only_when_a_file_is_new(project, monkeypatch):
    """A manifest dates new files only: with every file seen, it is not read (nor its problems reported);
    a new file beside it makes the walk read it again."""
    monkeypatch.chdir(project)
    found, _ = find_new_files(["data/sample"], set())
    seen = {(f.path, f.size_bytes, f.mtime_ns) for f in found}
    (project / "data" / "sample" / "fr" / "manifest.csv").write_text("file,captured_at\nb.txt,not a time\n")
    problems: list = []
    assert find_new_files(["data/sample"], seen, problems) == ([], 3)
    assert problems == []
    (project / "data" / "sample" / "fr" / "c.txt").write_text("new\n")
    found, _ = find_new_files(["data/sample"], seen, problems)
    assert [Path(f.path).name for f in found] == ["c.txt"]
    assert [(p.line, p.reason.split(" ")[0]) for p in problems] == [(2, "captured_at")]


def test_a_dot_folder_named_inside_a_folder_named_is_walked_too(project, monkeypatch):
    hidden = project / "data" / "sample" / ".drafts"
    hidden.mkdir()
    (hidden / "c.txt").write_text("brouillon\n")
    monkeypatch.chdir(project / "data")
    found, n_seen = find_new_files(["sample", "sample/.drafts", "sample/.drafts/c.txt"], set())
    # the walk of sample skips .drafts; named, it is listed, once
    assert n_seen == 4
    assert str(hidden.resolve() / "c.txt") in [f.path for f in found]


@pytest.fixture
def wide_tree(tmp_path, seed_bytes) -> Path:
    """A landing folder with more folders than one process walks alone: dated folders over two levels,
    manifests, a dot-folder, a symlinked file and a FIFO."""
    root = tmp_path / "landing"
    for lang in ("fr", "ar"):
        for day in range(1, 13):
            folder = root / lang / f"2024-12-{day:02d}"
            folder.mkdir(parents=True)
            for hour in range(3):
                (folder / f"{hour:02d}.txt").write_bytes(seed_bytes + f"\n{lang}{day}{hour}\n".encode())
            (folder / "manifest.csv").write_text(f"file,captured_at\n00.txt,2024-12-{day:02d}T00:10:00Z\n")
    (root / ".cache").mkdir()
    (root / ".cache" / "skip.txt").write_text("skipped")
    (root / "fr" / "link.txt").symlink_to(root / "ar" / "2024-12-01" / "00.txt")
    os.mkfifo(root / "ar" / "2024-12-05" / "pipe.txt")
    return root


def test_a_walk_split_between_processes_lists_what_one_process_does(wide_tree, monkeypatch):
    monkeypatch.setattr(discovery, "_single_threaded", lambda: True)  # pytest-xdist runs threads
    alone = find_new_files([str(wide_tree)], set(), processes=1)
    assert alone[1] == 2 * 12 * 3 + 2
    for processes in (2, 3):
        assert find_new_files([str(wide_tree)], set(), processes=processes) == alone
    seen = {(f.path, f.size_bytes, f.mtime_ns) for f in alone[0]}
    assert find_new_files([str(wide_tree)], seen, processes=2) == ([], alone[1])


def test_folders_a_walking_child_failed_on_are_walked_again_by_the_parent(wide_tree, monkeypatch):
    alone = find_new_files([str(wide_tree)], set(), processes=1)
    parent, walk_all = os.getpid(), discovery._walk_all

    def failing_in_children(folders, seen):
        if os.getpid() != parent:
            raise OSError("lost")
        return walk_all(folders, seen)

    monkeypatch.setattr(discovery, "_single_threaded", lambda: True)
    monkeypatch.setattr(discovery, "_walk_all", failing_in_children)
    assert find_new_files([str(wide_tree)], set(), processes=2) == alone


def test_a_parent_walk_that_fails_leaves_no_walking_child_behind(wide_tree, monkeypatch):
    parent, walk_all, fork_walk = os.getpid(), discovery._walk_all, discovery._fork_walk
    forked: list[int] = []

    def failing_in_the_parent(folders, seen):
        if os.getpid() == parent:
            raise PermissionError("denied")
        return walk_all(folders, seen)

    def recording(folders, seen):
        pid, reader = fork_walk(folders, seen)
        forked.append(pid)
        return pid, reader

    monkeypatch.setattr(discovery, "_single_threaded", lambda: True)
    monkeypatch.setattr(discovery, "_walk_all", failing_in_the_parent)
    monkeypatch.setattr(discovery, "_fork_walk", recording)
    with pytest.raises(PermissionError):
        find_new_files([str(wide_tree)], set(), processes=3)
    assert len(forked) == 2
    for pid in forked:  # each was killed and reaped: none is left running, nor a zombie
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
