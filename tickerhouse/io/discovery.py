"""Finding files not yet ingested and the capture times manifests give them (stdlib only: cheap import)."""

from __future__ import annotations

import csv
import logging
import os
import pickle
import posixpath
import signal
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tickerhouse.io import storage
from tickerhouse.transforms.source_file import FUTURE_TOLERANCE_S, SourceFile, stored_path
from tickerhouse.transforms.tz import CASABLANCA
from tickerhouse.transforms.utf16 import utf16_without_bom

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("file", "captured_at")
# A manifest time later than now by more than TICKERHOUSE_FUTURE_TOLERANCE_S is an error, not a capture
# (sql/checks/no_future_captures.sql refuses it): the row is reported and ignored.
DEFAULT_FUTURE_TOLERANCE = timedelta(seconds=FUTURE_TOLERANCE_S)
# Before this a capture of the site is impossible (the byline dates' floor, transforms/dates.py).
MANIFEST_EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ManifestProblem:
    """A manifest row (or the whole manifest, line 0) that gave no capture time, and why."""

    path: str  # the manifest, as stored (undecodable bytes escaped)
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


class FileBatch:
    """The files of one parse task, as one opaque parameter.

    Prefect walks list and dataclass parameters entry by entry (looking for futures to resolve): for a
    batch of 2,000 files that is ~0.1 s of the flow process's CPU per task, taken from the workers.
    """

    __slots__ = ("files",)

    def __init__(self, files: list[SourceFile]) -> None:
        self.files = files


def _manifest_lines(data: bytes, problem: Callable[[int, str], None]) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) of a manifest's bytes: UTF-8 (BOM or not) or UTF-16; bad lines reported."""
    codec = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
    elif not data.startswith(b"\xef\xbb\xbf"):
        codec = utf16_without_bom(data)
    if codec is not None:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as err:
            problem(0, f"not valid {codec.upper()} ({err.reason} at byte {err.start}): manifest ignored")
            return
        for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
            yield number, line
        return
    data = data.removeprefix(b"\xef\xbb\xbf")
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            yield number, raw.rstrip(b"\r").decode("utf-8")
        except UnicodeDecodeError as err:
            problem(number, f"not UTF-8 (byte 0x{raw[err.start]:02x} at column {err.start + 1}): row ignored")


def _manifest_rows(
    data: bytes, problem: Callable[[int, str], None], latest: datetime
) -> Iterator[tuple[int, str, datetime]]:
    """Yield (line, file as written, UTC capture time) of each valid row; report every other one."""
    header: list[str] | None = None
    for number, line in _manifest_lines(data, problem):
        if not line.strip():
            continue
        try:
            (fields,) = csv.reader([line], strict=True)  # one row per line: a stray quote spoils one row only
        except csv.Error as err:
            problem(number, f"bad quoting ({err}): row ignored")
            continue
        fields = [f.strip() for f in fields]
        if header is None:
            header = [f.lower() for f in fields]  # `File,Captured_At` is the same header
            if not set(MANIFEST_COLUMNS) <= set(header):
                wanted = " and ".join(MANIFEST_COLUMNS)
                problem(number, f"header {','.join(fields)!r} lacks {wanted}: manifest ignored")
                return
            continue
        if len(fields) != len(header):
            problem(number, f"{len(fields)} fields, the header has {len(header)}: row ignored")
            continue
        row = dict(zip(header, fields, strict=True))
        name, written = row["file"], row["captured_at"]
        if not name:
            problem(number, "no file name: row ignored")
            continue
        try:
            ts = datetime.fromisoformat(written)
        except ValueError:
            problem(number, f"captured_at {written!r} is not an ISO 8601 time: row ignored")
            continue
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=CASABLANCA)
        ts = ts.astimezone(UTC)
        if ts < MANIFEST_EARLIEST:
            problem(number, f"captured_at {written!r} is before {MANIFEST_EARLIEST:%Y}: row ignored")
            continue
        if ts > latest:
            problem(number, f"captured_at {written!r} is in the future: row ignored")
            continue
        yield number, name, ts


def read_manifest(
    manifest: Path | str,
    problems: list[ManifestProblem] | None = None,
    now: datetime | None = None,
    future_tolerance: timedelta = DEFAULT_FUTURE_TOLERANCE,
) -> dict[str, datetime]:
    """Return resolved file path (a full URL at a URL) -> UTC capture time from a manifest.csv.

    Good rows are kept; every row that gives no time (undecodable, badly quoted, a bad or future time, a
    file outside the manifest's folder, a file named twice with two times) is appended to `problems`
    with its line, and logged.
    """
    shown = stored_path(str(manifest))
    found: list[ManifestProblem] = []

    def problem(line: int, reason: str) -> None:
        found.append(ManifestProblem(shown, line, reason))

    if storage.is_url(manifest):
        fs, path = storage.url_filesystem(manifest)
        folder = posixpath.dirname(path)
        with fs.open(path, "rb") as handle:
            data = handle.read()

        def target_of(name: str) -> str | None:
            target = posixpath.normpath(posixpath.join(folder, name))
            # its own folder tree only, as below
            return fs.unstrip_protocol(target) if target.startswith(folder.rstrip("/") + "/") else None
    else:
        local = Path(manifest).parent.resolve()
        try:
            with storage.open_binary(str(manifest)) as handle:  # a FIFO or device is refused, never opened
                data = handle.read()
        except OSError as err:
            problem(0, f"unreadable ({type(err).__name__}: {err.strerror or err}): manifest ignored")
            data = b""

        def target_of(name: str) -> str | None:
            target = (local / name).resolve()
            # a manifest may only speak of files in its own folder tree
            return str(target) if target.is_relative_to(local) else None

    out: dict[str, datetime] = {}
    first_line: dict[str, int] = {}
    conflicting: set[str] = set()
    latest = (now or datetime.now(UTC)) + future_tolerance
    for number, name, ts in _manifest_rows(data, problem, latest):
        target = target_of(name)
        if target is None:
            problem(number, f"{name!r} is outside the manifest's folder: row ignored")
            continue
        if target in first_line:
            if target in conflicting or out[target] != ts:
                conflicting.add(target)
                problem(number, f"{name!r} has another time on line {first_line[target]}: both ignored")
            else:
                problem(number, f"{name!r} repeats line {first_line[target]}: kept once")
            continue
        first_line[target] = number
        out[target] = ts
    for target in conflicting:
        del out[target]
    for item in found:
        log.warning("manifest problem: %s", item)
    if problems is not None:
        problems.extend(found)
    return out


def _merge_manifests(
    manifest_files: list[str],
    problems: list[ManifestProblem] | None,
    future_tolerance: timedelta = DEFAULT_FUTURE_TOLERANCE,
) -> dict[str, datetime]:
    """Return the capture times of several manifests; a file two of them date differently gets neither."""
    out: dict[str, datetime] = {}
    source: dict[str, str] = {}
    conflicting: set[str] = set()
    for manifest in sorted(manifest_files):  # walk order varies: the report must not
        for target, ts in read_manifest(manifest, problems, future_tolerance=future_tolerance).items():
            if target in source and out[target] != ts:
                conflicting.add(target)
                item = ManifestProblem(
                    stored_path(manifest), 0, f"{stored_path(target)!r} has another time in {source[target]}"
                )
                log.warning("manifest problem: %s", item)
                if problems is not None:
                    problems.append(item)
            out[target], source[target] = ts, stored_path(manifest)
    for target in conflicting:
        del out[target]
    return out


# (path, stat, whether the stat is the target's, is a symlink) of a file not seen yet
Unseen = tuple[str, os.stat_result, bool, bool]
# Below this many folders waiting, the walk lists one more level before it splits them between processes.
SPLIT_FOLDERS = 8


@dataclass
class _Walked:
    """What walking some folders found: how many files, those not seen yet, the manifests met."""

    n_files: int = 0
    unseen: list[Unseen] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)

    def add(self, other: _Walked) -> None:
        self.n_files += other.n_files
        self.unseen.extend(other.unseen)
        self.manifests.extend(other.manifests)


def _walk_level(folders: list[str], seen: set[tuple[str, int, int]], into: _Walked) -> list[str]:
    """List `folders` (dot-names skipped) into `into`: each file stat'ed and checked against `seen`,
    each regular manifest.csv kept aside; return the folders found below them, for the next level.

    Everything that is not a folder is counted, special files and symlinks included, so that each is
    rejected with its reason rather than skipped unseen; none is opened here. Folder symlinks are not
    followed.
    """
    below: list[str] = []
    for folder in folders:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    below.append(entry.path)
                elif name == MANIFEST_NAME and _is_regular(entry.path):
                    into.manifests.append(entry.path)  # a FIFO named manifest.csv is a file to reject
                else:
                    into.n_files += 1
                    path = entry.path
                    st, followed = _stat(entry)
                    if (stored_path(path), st.st_size, st.st_mtime_ns) not in seen:
                        into.unseen.append((path, st, followed, entry.is_symlink()))
    return below


def _walk_all(folders: list[str], seen: set[tuple[str, int, int]]) -> _Walked:
    """Walk `folders` and everything below them, in this process."""
    walked = _Walked()
    while folders:
        folders = _walk_level(folders, seen, walked)
    return walked


def _walk(root: str, seen: set[tuple[str, int, int]], processes: int) -> _Walked:
    """Walk the folder `root`, on `processes` processes where the tree allows it.

    The stat of each file is the cost (300k files: ~1.2 s of one core). Threads make it slower (the GIL
    is taken back after every stat), so the walk lists levels from the top until SPLIT_FOLDERS folders
    wait, then forks: each child walks every processes-th of them and sends back what it found. Only a
    single-threaded process forks (a fork copies no other thread, and a lock another thread held would
    never be released in the child); others walk alone.
    """
    if processes < 2 or not _single_threaded():
        return _walk_all([root], seen)
    walked = _Walked()
    folders = [root]
    while folders and len(folders) < SPLIT_FOLDERS:
        folders = _walk_level(folders, seen, walked)
    if not folders:
        return walked
    children = {i: _fork_walk(folders[i::processes], seen) for i in range(1, processes)}
    try:
        walked.add(_walk_all(folders[::processes], seen))
        while children:
            i = min(children)
            found = _child_result(*children.pop(i))
            walked.add(found or _walk_all(folders[i::processes], seen))
    finally:  # the parent's own walk failed (an unreadable folder, Ctrl-C): no child outlives it
        for pid, reader in children.values():
            os.kill(pid, signal.SIGKILL)
            os.close(reader)
            os.waitpid(pid, 0)
    return walked


def _single_threaded() -> bool:
    """Whether this process runs one thread only, native ones counted (Linux's /proc; False elsewhere)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _fork_walk(folders: list[str], seen: set[tuple[str, int, int]]) -> tuple[int, int]:
    """Fork a child that walks `folders` and pickles its _Walked to a pipe; return (pid, the read end)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: walk, send, and leave at once (no exit handler of the parent's runs twice)
        code = 0
        try:
            os.close(reader)
            with os.fdopen(writer, "wb") as out:
                pickle.dump(_walk_all(folders, seen), out, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # the parent walks these folders again, and meets the error itself
            code = 1
        os._exit(code)
    os.close(writer)
    return pid, reader


def _child_result(pid: int, reader: int) -> _Walked | None:
    """Return what the child walking some folders found, or None when it failed (killed, or an error)."""
    with os.fdopen(reader, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return None
    return pickle.loads(data)


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _stat(entry: os.DirEntry) -> tuple[os.stat_result, bool]:
    """Return the entry's stat and whether it is its target's, or the link's own for a dangling symlink
    (its read then fails: a reject)."""
    try:
        return entry.stat(), True
    except OSError:  # ENOENT (dangling) or ELOOP (a link to itself); a plain file's error raises again below
        return entry.stat(follow_symlinks=False), False


def _refusal(path: str, mode: int, is_link: bool, root: str | None, allow_outside: bool) -> str:
    """Return why a listed file must not be read ("" when it may be): a special file, a link out of root."""
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):  # a folder is refused by its read (EISDIR)
        through = " (through a symlink)" if is_link else ""
        return f"special file: {storage.file_kind(mode)}{through}, not opened"
    if is_link and root is not None and not allow_outside:
        target = os.path.realpath(path)
        if not (target == root or target.startswith(root.rstrip(os.sep) + os.sep)):
            return (
                f"outside the landing folder: a symlink to {stored_path(target)} "
                "(TICKERHOUSE_ALLOW_SYMLINKS_OUTSIDE=true reads it)"
            )
    return ""


def _find_new_at_url(
    url: str,
    seen: set[tuple[str, int, int]],
    listed: set[str],
    problems: list[ManifestProblem] | None,
    future_tolerance: timedelta,
) -> Iterator[SourceFile]:
    """find_new_files for one fsspec URL: each path a full URL, size and mtime from the file system's info."""
    fs, root = storage.url_filesystem(url)
    manifest_files: list[str] = []
    if fs.isdir(root):
        listing = {}
        for path, info in fs.find(root, detail=True).items():
            parts = posixpath.relpath(path, root).split("/")
            if any(part.startswith(".") for part in parts):
                continue  # as the local walk: dot-names are skipped, folders and files alike
            if parts[-1] == MANIFEST_NAME:
                manifest_files.append(fs.unstrip_protocol(path))
            else:
                listing[path] = info
    else:
        listing = {root: fs.info(root)}
        beside = posixpath.join(posixpath.dirname(root), MANIFEST_NAME)
        if fs.exists(beside):
            manifest_files.append(fs.unstrip_protocol(beside))
    manifests = _merge_manifests(manifest_files, problems, future_tolerance)
    for path, info in listing.items():
        full = fs.unstrip_protocol(path)  # protocol included: unambiguous, and a worker process reopens it
        if full in listed:
            continue
        listed.add(full)
        size = info.get("size") or 0  # None where the store does not know it (http without a length)
        mtime = storage.mtime_ns(info)
        if (full, size, mtime) not in seen:
            yield SourceFile(full, size, mtime, manifests.get(full))


def _ns(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1e9)


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


def _below(path: str, folder: str) -> bool:
    """Whether the walk of `folder` reaches `path` (both resolved): it lies below it, through no dot-name."""
    prefix = folder.rstrip(os.sep) + os.sep
    return path.startswith(prefix) and not any(p.startswith(".") for p in path[len(prefix) :].split(os.sep))


def _outermost(folders: list[str]) -> list[str]:
    """Return the resolved folders whose files no other one's walk lists, each once."""
    distinct = set(folders)
    return sorted(f for f in distinct if not any(_below(f, other) for other in distinct if other != f))


def _walk_lists(path: str, folder: str) -> bool:
    """Whether the walk of `folder` lists the file at `path` (resolved) as a file, not as a manifest."""
    return _below(path, folder) and not (os.path.basename(path) == MANIFEST_NAME and _is_regular(path))


def find_new_files(
    paths: list[str],
    seen: set[tuple[str, int, int]],
    problems: list[ManifestProblem] | None = None,
    allow_symlinks_outside: bool | None = None,
    future_tolerance: timedelta | None = None,
    settle: timedelta | None = None,
    settling: list[str] | None = None,
    processes: int | None = None,
) -> tuple[list[SourceFile], int]:
    """Return the files not yet ingested (by known path, size, mtime) and how many files were seen in all.

    A local file is known by its resolved absolute path, so two spellings of a folder (relative, absolute,
    through a symlink) name the same files, and a file named twice is listed once. The folder named is
    resolved once; the walk below it follows no folder symlink, so every path it lists is resolved too.
    A special file, or a symlink leaving the folder named (unless TICKERHOUSE_ALLOW_SYMLINKS_OUTSIDE), is
    listed with its `refusal` and never opened. Manifest rows that give no time go to `problems`.
    A file modified less than `settle` ago (TICKERHOUSE_SETTLE_S) may still be being written: discovery
    waits until it is `settle` old and stats it again; one whose size or mtime moved meanwhile is left for
    a later run, its path appended to `settling`. (An mtime past now + future_tolerance is no write in
    progress but a wrong clock: that file is listed, and dated or rejected by the parse.)
    """
    if None in (allow_symlinks_outside, future_tolerance, settle, processes):
        from tickerhouse.settings import load_settings  # imported only when not told

        settings = load_settings()
        if allow_symlinks_outside is None:
            allow_symlinks_outside = settings.allow_symlinks_outside
        if future_tolerance is None:
            future_tolerance = settings.future_tolerance
        if settle is None:
            settle = timedelta(seconds=settings.settle_s)
        if processes is None:
            processes = settings.workers
    now_ns = time.time_ns()
    wrong_clock_after = now_ns + _ns(future_tolerance)
    fresh: list[SourceFile] = []
    found: list[SourceFile] = []
    listed: set[str] = set()  # the URLs and single files listed; a folder's files are counted, not kept
    n_walked = 0
    local = [raw for raw in paths if not storage.is_url(raw)]
    named = _outermost([os.path.realpath(raw) for raw in local if os.path.isdir(raw)])
    to_walk = set(named)
    for raw in paths:
        if storage.is_url(raw):
            found.extend(_find_new_at_url(raw, seen, listed, problems, future_tolerance))
            continue
        unseen: list[Unseen] = []
        manifest_files: list[str] = []
        root: str | None = None
        if os.path.isdir(raw):
            root = os.path.realpath(raw)
            if root not in to_walk:
                continue  # named twice, or inside another folder named: its files are listed there
            to_walk.remove(root)
            walked = _walk(root, seen, processes)
            n_walked += walked.n_files
            unseen, manifest_files = walked.unseen, walked.manifests
        else:
            path = KnownPaths(os.getcwd()).of(raw)
            if path in listed or any(_walk_lists(path, folder) for folder in named):
                continue
            listed.add(path)
            st = os.stat(path)
            if (stored_path(path), st.st_size, st.st_mtime_ns) not in seen:
                unseen.append((path, st, True, os.path.islink(path)))
            beside = os.path.join(os.path.dirname(path), MANIFEST_NAME)
            if _is_regular(beside) and beside != path:
                manifest_files.append(beside)
        # Manifests date new files only: with none, they are not read (at 300k files, its 3,000 manifests
        # were most of a run with nothing new).
        manifests = (
            _merge_manifests(manifest_files, problems, future_tolerance) if manifest_files and unseen else {}
        )
        for path, st, followed, is_link in unseen:
            refusal = _refusal(path, st.st_mode, is_link, root, allow_symlinks_outside) if followed else ""
            # Manifests key files by resolved path: a listed path is one already, a symlink's is its target.
            stamp = manifests.get(os.path.realpath(path) if is_link else path) if manifests else None
            source = SourceFile(path, st.st_size, st.st_mtime_ns, stamp, refusal=refusal)
            recent = now_ns - _ns(settle) < st.st_mtime_ns <= wrong_clock_after
            (fresh if recent and not refusal else found).append(source)
    found.extend(_settled(fresh, settle, settling))
    found.sort(key=lambda f: f.path)
    return found, n_walked + len(listed)


def _settled(fresh: list[SourceFile], settle: timedelta, settling: list[str] | None) -> list[SourceFile]:
    """Return the fresh files whose size and mtime stay unchanged until each is `settle` old.

    One wait for all of them (at most `settle`), then one stat each; the others are being written.
    """
    if not fresh:
        return []
    wait_ns = max(f.mtime_ns for f in fresh) + _ns(settle) - time.time_ns()
    if wait_ns > 0:
        time.sleep(min(wait_ns, _ns(settle)) / 1e9)
    kept = []
    for source in fresh:
        try:
            st = os.stat(source.path)
        except OSError:
            st = None  # gone meanwhile: left for a later run, which will not find it
        if st is not None and (st.st_size, st.st_mtime_ns) == (source.size_bytes, source.mtime_ns):
            kept.append(source)
        elif settling is not None:
            settling.append(stored_path(source.path))
    return kept
