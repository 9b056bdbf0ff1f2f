"""Finding files not yet ingested and the capture times manifests give them (stdlib only: cheap import)."""

from __future__ import annotations

import csv
import os
import posixpath
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from tickerhouse.io import storage
from tickerhouse.transforms.source_file import SourceFile
from tickerhouse.transforms.tz import CASABLANCA

MANIFEST_NAME = "manifest.csv"


class FileBatch:
    """The files of one parse task, as one opaque parameter.

    Prefect walks list and dataclass parameters entry by entry (looking for futures to resolve): for a
    batch of 2,000 files that is ~0.1 s of the flow process's CPU per task, taken from the workers.
    """

    __slots__ = ("files",)

    def __init__(self, files: list[SourceFile]) -> None:
        self.files = files


def _manifest_rows(handle: Iterable[str]) -> Iterator[tuple[str, datetime]]:
    """Yield (file as written, UTC capture time) of each manifest row with a valid time."""
    for row in csv.DictReader(handle):
        try:
            ts = datetime.fromisoformat((row.get("captured_at") or "").strip())
        except ValueError:
            continue
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=CASABLANCA)
        yield row.get("file") or "", ts.astimezone(UTC)


def read_manifest(manifest: Path | str) -> dict[str, datetime]:
    """Return resolved file path (a full URL at a URL) -> UTC capture time from a manifest.csv."""
    out: dict[str, datetime] = {}
    if storage.is_url(manifest):
        fs, path = storage.url_filesystem(manifest)
        folder = posixpath.dirname(path)
        with fs.open(path, "rt", newline="", encoding="utf-8-sig") as handle:
            for name, ts in _manifest_rows(handle):
                target = posixpath.normpath(posixpath.join(folder, name))
                if target.startswith(folder.rstrip("/") + "/"):  # its own folder tree only, as below
                    out[fs.unstrip_protocol(target)] = ts
        return out
    folder = Path(manifest).parent.resolve()
    with open(manifest, newline="", encoding="utf-8-sig") as handle:
        for name, ts in _manifest_rows(handle):
            target = (folder / name).resolve()
            if target.is_relative_to(folder):  # a manifest may only speak of files in its own folder tree
                out[str(target)] = ts
    return out


def _walk(root: Path, manifests: list[str]) -> Iterator[os.DirEntry]:
    """Yield the files under root (dot-names skipped); append the manifests met to `manifests`."""
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.name == MANIFEST_NAME:
                    manifests.append(entry.path)
                # Symlinks too, dangling or not: one that cannot be read is rejected, never skipped unseen.
                # is_symlink first: is_file() raises (ELOOP) on a link to itself.
                elif entry.is_symlink() or entry.is_file():
                    yield entry


def _stat(entry: os.DirEntry) -> os.stat_result:
    """Return the entry's stat, the link's own for a dangling symlink (its read then fails: a reject)."""
    try:
        return entry.stat()
    except OSError:  # ENOENT (dangling) or ELOOP (a link to itself); a plain file's error raises again below
        return entry.stat(follow_symlinks=False)


def _find_new_at_url(url: str, seen: set[tuple[str, int, int]], listed: set[str]) -> Iterator[SourceFile]:
    """find_new_files for one fsspec URL: each path a full URL, size and mtime from the file system's info."""
    fs, root = storage.url_filesystem(url)
    manifests: dict[str, datetime] = {}
    if fs.isdir(root):
        listing = {}
        for path, info in fs.find(root, detail=True).items():
            parts = posixpath.relpath(path, root).split("/")
            if any(part.startswith(".") for part in parts):
                continue  # as the local walk: dot-names are skipped, folders and files alike
            if parts[-1] == MANIFEST_NAME:
                manifests.update(read_manifest(fs.unstrip_protocol(path)))
            else:
                listing[path] = info
    else:
        listing = {root: fs.info(root)}
        beside = posixpath.join(posixpath.dirname(root), MANIFEST_NAME)
        if fs.exists(beside):
            manifests.update(read_manifest(fs.unstrip_protocol(beside)))
    for path, info in listing.items():
        full = fs.unstrip_protocol(path)  # protocol included: unambiguous, and a worker process reopens it
        if full in listed:
            continue
        listed.add(full)
        size = info.get("size") or 0  # None where the store does not know it (http without a length)
        mtime = storage.mtime_ns(info)
        if (full, size, mtime) not in seen:
            yield SourceFile(full, size, mtime, manifests.get(full))


class KnownPaths:
    """What files are known by: a URL as written; a local path made absolute (a relative one read against
    base), its folder resolved, symlinks included, its own name kept (a symlinked file is known by the
    link, as the walk lists it). Each folder is resolved once, not each file.
    """

    def __init__(self, base: str) -> None:
        self._base = base
        self._folders: dict[str, str] = {}

    def of(self, path: str) -> str:
        """Return the path the file at `path` is known by."""
        if storage.is_url(path):
            return path
        folder, name = os.path.split(os.path.join(self._base, path))
        if folder not in self._folders:
            self._folders[folder] = os.path.realpath(folder)
        return os.path.join(self._folders[folder], name)


def find_new_files(paths: list[str], seen: set[tuple[str, int, int]]) -> tuple[list[SourceFile], int]:
    """Return the files not yet ingested (by known path, size, mtime) and how many files were seen in all.

    A local file is known by its resolved absolute path, so two spellings of a folder (relative, absolute,
    through a symlink) name the same files, and a file named twice is listed once. The folder named is
    resolved once; the walk below it follows no folder symlink, so every path it lists is resolved too.
    """
    found: list[SourceFile] = []
    listed: set[str] = set()
    for raw in paths:
        if storage.is_url(raw):
            found.extend(_find_new_at_url(raw, seen, listed))
            continue
        entries: list[tuple[str, os.stat_result, bool]] = []
        manifest_files: list[str] = []
        if os.path.isdir(raw):
            for entry in _walk(Path(os.path.realpath(raw)), manifest_files):
                entries.append((entry.path, _stat(entry), entry.is_symlink()))
        else:
            path = KnownPaths(os.getcwd()).of(raw)
            entries.append((path, os.stat(path), os.path.islink(path)))
            beside = os.path.join(os.path.dirname(path), MANIFEST_NAME)
            if os.path.exists(beside):
                manifest_files.append(beside)
        manifests: dict[str, datetime] = {}
        for manifest in manifest_files:
            manifests.update(read_manifest(manifest))
        for path, stat, is_link in entries:
            if path in listed:
                continue
            listed.add(path)
            if (path, stat.st_size, stat.st_mtime_ns) in seen:
                continue
            # Manifests key files by resolved path: a listed path is one already, a symlink's is its target.
            stamp = manifests.get(os.path.realpath(path) if is_link else path) if manifests else None
            found.append(SourceFile(path, stat.st_size, stat.st_mtime_ns, stamp))
    found.sort(key=lambda f: f.path)
    return found, len(listed)
