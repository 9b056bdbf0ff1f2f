"""The one record of a file version every floor passes around (stdlib only: discovery imports it cheaply)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

# Seconds a capture time may lie past now (clock skew between the capturing machine and this one): the
# default of TICKERHOUSE_FUTURE_TOLERANCE_S, here so that stdlib-only discovery reads it too.
FUTURE_TOLERANCE_S = 600.0


@dataclass(frozen=True)
class SourceFile:
    """A file version: its identity, its stat, its manifest's capture time, and its content hash once read.

    `path` is what the file is known by: a resolved absolute path (tickerhouse.io.discovery) or a URL. It is
    the real name, which opens the file; a name with bytes that are not UTF-8 holds them surrogate-escaped
    (as os.listdir gives them), and is stored as `stored_path(path)`.
    `dump_id` is the sha256 of the bytes read, "" before the read or when the file could not be read.
    `refusal` is a reject reason ("category: detail") discovery found without reading the file (a special
    file, a symlink leaving the landing folder): such a file's bytes are never kept.
    """

    path: str
    size_bytes: int
    mtime_ns: int
    manifest_captured_at: datetime | None = None
    dump_id: str = ""
    refusal: str = ""


def stored_path(path: str) -> str:
    """Return the path as stored in the warehouse: valid UTF-8, each undecodable byte written `\\xNN`.

    A path that decodes (every name tickerhouse met before) is returned unchanged. The escaped form is
    what Python's `backslashreplace` writes; only a valid name that itself spells `\\xNN` could read alike.
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", errors="backslashreplace")
    return path
