"""The one record of a file version every floor passes around (stdlib only: discovery imports it cheaply)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SourceFile:
    """A file version: its identity, its stat, its manifest's capture time, and its content hash once read.

    `path` is what the file is known by: a resolved absolute path (tickerhouse.io.discovery) or a URL.
    `dump_id` is the sha256 of the bytes read, "" before the read or when the file could not be read.
    """

    path: str
    size_bytes: int
    mtime_ns: int
    manifest_captured_at: datetime | None = None
    dump_id: str = ""
