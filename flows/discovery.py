"""Finding files not yet ingested and the capture times manifests give them (stdlib only: cheap import)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from transforms.tz import CASABLANCA

MANIFEST_NAME = "manifest.csv"


@dataclass(frozen=True)
class FileRef:
    """A file to ingest: path, stat, and the capture time its folder's manifest gives, if any."""

    path: str
    size_bytes: int
    mtime_ns: int
    manifest_captured_at: datetime | None


def read_manifest(manifest: Path) -> dict[str, datetime]:
    """Return resolved file path -> UTC capture time from a manifest.csv (file,captured_at)."""
    folder = manifest.parent.resolve()
    out: dict[str, datetime] = {}
    with open(manifest, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            target = (folder / (row.get("file") or "")).resolve()
            if not target.is_relative_to(folder):
                continue  # a manifest may only speak of files in its own folder tree
            try:
                ts = datetime.fromisoformat((row.get("captured_at") or "").strip())
            except ValueError:
                continue
            if ts.tzinfo is None:
                ts = ts.replace(tzinfo=CASABLANCA)
            out[str(target)] = ts.astimezone(UTC)
    return out


def _walk(root: Path) -> Iterator[os.DirEntry]:
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                # Symlinks too, dangling or not: one that cannot be read is rejected, never skipped unseen.
                # is_symlink first: is_file() raises (ELOOP) on a link to itself.
                elif entry.name != MANIFEST_NAME and (entry.is_symlink() or entry.is_file()):
                    yield entry


def _stat(entry: os.DirEntry) -> os.stat_result:
    """Return the entry's stat, the link's own for a dangling symlink (its read then fails: a reject)."""
    try:
        return entry.stat()
    except OSError:  # ENOENT (dangling) or ELOOP (a link to itself); a plain file's error raises again below
        return entry.stat(follow_symlinks=False)


def find_new_files(paths: list[str], seen: set[tuple[str, int, int]]) -> tuple[list[FileRef], int]:
    """Return the files not yet ingested (by path, size, mtime) and how many files were seen in all."""
    found: list[FileRef] = []
    n_seen = 0
    for raw in paths:
        root = Path(raw)
        entries: list[tuple[str, os.stat_result]] = []
        manifests: dict[str, datetime] = {}
        if root.is_dir():
            for entry in _walk(root):
                entries.append((entry.path, _stat(entry)))
            for manifest in root.rglob(MANIFEST_NAME):
                manifests.update(read_manifest(manifest))
        else:
            entries.append((str(root), root.stat()))
            if (root.parent / MANIFEST_NAME).exists():
                manifests.update(read_manifest(root.parent / MANIFEST_NAME))
        for path, stat in entries:
            n_seen += 1
            if (path, stat.st_size, stat.st_mtime_ns) in seen:
                continue
            stamp = manifests.get(str(Path(path).resolve())) if manifests else None
            found.append(FileRef(path, stat.st_size, stat.st_mtime_ns, stamp))
    found.sort(key=lambda f: f.path)
    return found, n_seen
