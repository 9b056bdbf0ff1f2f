"""Local paths and fsspec URLs (s3://, gs://, memory://, file://...) behind one small set of helpers.

A path containing "://" is a URL and goes through fsspec; anything else stays on the stdlib (and pyarrow's
native I/O). fsspec is imported only when a URL is met: it takes ~0.1 s to import, which the no-op
re-run over a local landing folder (imported before Prefect by the CLI) should not pay.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tickerhouse.errors import TickerhouseError, first_line

if TYPE_CHECKING:
    import duckdb
    from fsspec import AbstractFileSystem

PathLike = str | os.PathLike[str]


class DiskFullError(TickerhouseError):
    """A write of the run found no space left on its device; the run committed nothing."""


def write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Have `write` write a local file to a temporary path beside target, then rename it to target: a reader
    (or a killed writer) never leaves or sees half a file. The temporary name is this process's own (two
    processes writing one cache file do not mix), hidden, and keeps target's suffix (np.save adds .npy)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")
    write(partial)
    partial.replace(target)


def is_disk_full(err: BaseException) -> bool:
    """Return whether an error is a full disk: an OSError's ENOSPC, or pyarrow's or DuckDB's message of it."""
    return getattr(err, "errno", None) == errno.ENOSPC or "No space left on device" in str(err)


@contextmanager
def disk_full_as_error() -> Iterator[None]:
    """Turn a full disk met in the block into one DiskFullError line (a traceback says nothing more)."""
    try:
        yield
    except Exception as err:
        if not is_disk_full(err):
            raise
        raise DiskFullError(
            f"no space left on device ({first_line(err) or type(err).__name__}); nothing was committed: "
            "free space (the warehouse's folder, TICKERHOUSE_STAGING, TICKERHOUSE_STATE_DIR) and run again, "
            "the same files are read again"
        ) from err


# Where file systems keep a file's modification time in its info, first found wins: local and sftp
# `mtime`, s3 `LastModified`, azure `last_modified`, gcs `updated`, memory only `created`.
MTIME_KEYS = ("mtime", "LastModified", "last_modified", "updated", "created")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_url(path: PathLike) -> bool:
    """Return whether path is an fsspec URL (protocol://...) rather than a local path."""
    return "://" in os.fspath(path)


def url_filesystem(url: PathLike) -> tuple[AbstractFileSystem, str]:
    """Return the fsspec file system of a URL and the path inside it (protocol stripped)."""
    from fsspec.core import url_to_fs

    return url_to_fs(os.fspath(url))


def filesystem(path: PathLike) -> AbstractFileSystem | None:
    """Return the fsspec file system of a URL, None for a local path (pyarrow then writes it natively)."""
    return url_filesystem(path)[0] if is_url(path) else None


def join(base: PathLike, *parts: str) -> str:
    """Return base/part/... for a local path or a URL."""
    if is_url(base):
        return "/".join([os.fspath(base).rstrip("/"), *parts])
    return os.path.join(base, *parts)


def exists(path: PathLike) -> bool:
    """Return whether a local path or a URL exists."""
    if is_url(path):
        fs, inner = url_filesystem(path)
        return fs.exists(inner)
    return os.path.exists(path)


def make_dirs(path: PathLike) -> None:
    """Create a folder and its parents, local or at a URL (object stores need none: a no-op there)."""
    if is_url(path):
        fs, inner = url_filesystem(path)
        fs.makedirs(inner, exist_ok=True)
    else:
        os.makedirs(path, exist_ok=True)


def remove_tree(path: PathLike, ignore_errors: bool = False) -> None:
    """Delete a folder tree, local or at a URL, if it is there."""
    try:
        if is_url(path):
            fs, inner = url_filesystem(path)
            if fs.exists(inner):
                fs.rm(inner, recursive=True)
        elif os.path.exists(path):
            shutil.rmtree(path)
    except OSError:
        if not ignore_errors:
            raise


def move_to_local(source: PathLike, target: PathLike) -> None:
    """Move a file, local or at a URL, to a local path (a rename when both are on one local file system)."""
    if is_url(source):
        fs, inner = url_filesystem(source)
        fs.get(inner, os.fspath(target))
        fs.rm(inner)
    else:
        shutil.move(source, target)


class SpecialFileError(OSError):
    """A FIFO, socket or device (or a symlink to one) where a regular file was expected: never opened."""


def file_kind(mode: int) -> str:
    """Return what a stat mode is, in words: `regular file`, `FIFO`, `socket`, `character device`..."""
    for test, name in (
        (stat.S_ISREG, "regular file"),
        (stat.S_ISDIR, "folder"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    ):
        if test(mode):
            return name
    return "special file"


def _refuse_special(mode: int, path: str) -> None:
    if stat.S_ISDIR(mode):  # what open() raises for a folder
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if not stat.S_ISREG(mode):
        raise SpecialFileError(errno.EINVAL, f"{file_kind(mode)}, not a regular file: not opened", path)


def open_binary(path: str) -> AbstractContextManager[IO[bytes]]:
    """Open a local file or a URL for reading bytes (use it in a `with`); refuse a local special file.

    A FIFO blocks open() until a writer comes (forever, holding the run lock), a device may never end or
    act on being opened: the stat (through symlinks) comes first, and the open itself does not block
    (O_NONBLOCK, O_NOCTTY) and is checked again, in case the file was swapped in between.
    """
    if is_url(path):
        import fsspec

        return fsspec.open(path, "rb")
    _refuse_special(os.stat(path).st_mode, path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        _refuse_special(os.fstat(fd).st_mode, path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def mtime_ns(info: dict) -> int:
    """Return a file's modification time in ns from its fsspec info, 0 when the file system gives none.

    Kept to the microsecond, the most any file system's info gives as a datetime, so that a float
    (seconds) and a datetime of the same instant give the same key.
    """
    for key in MTIME_KEYS:
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, str):  # gcs: ISO 8601
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            delta = (value if value.tzinfo else value.replace(tzinfo=UTC)) - EPOCH
            return ((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1000
        return round(float(value) * 1_000_000) * 1000
    return 0


def register_filesystems(con: duckdb.DuckDBPyConnection, paths: Iterable[PathLike]) -> None:
    """Let a DuckDB connection read the URLs among paths through their fsspec file systems."""
    registered = set(con.list_filesystems())
    for path in paths:
        if not is_url(path):
            continue
        fs = url_filesystem(path)[0]
        # DuckDB names a registered file system after its (first) protocol and refuses the name twice.
        name = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        if name not in registered:
            con.register_filesystem(fs)
            registered.add(name)
