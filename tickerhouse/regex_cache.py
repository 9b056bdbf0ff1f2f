"""Compiled regexes kept on disk: the taxonomy's trie patterns load in a few ms instead of compiling.

The taxonomy's trie is a ~100 KB pattern that `re`'s compiler (pure Python) takes ~1-2 s to compile and a
few ms to load once compiled. The program format is CPython's own (re._compiler, _sre), so a cache file is
named by the pattern and the interpreter (its version and `re`'s MAGIC); an unreadable or damaged file is
compiled anew. resources.compiled_taxonomy hands compile_cached to transforms.topics.load_taxonomy.
"""

from __future__ import annotations

import _sre
import hashlib
import json
import re
import sys
from array import array
from collections.abc import Iterable
from pathlib import Path

from tickerhouse.io.storage import write_atomically


def _regex_program(pattern: str) -> tuple[int, list[int], int]:
    """Return what `re` compiles a pattern to: (flags, program, groups), as re._compiler.compile does.

    The trie patterns have no named groups, so no group names are kept.
    """
    parsed = re._parser.parse(pattern)  # type: ignore[attr-defined]
    if parsed.state.groupdict:
        raise ValueError("a cached pattern has no named groups")
    return parsed.state.flags, re._compiler._code(parsed, 0), parsed.state.groups - 1  # type: ignore[attr-defined]


def _from_program(pattern: str, flags: int, program: Iterable[int], groups: int) -> re.Pattern[str]:
    # _sre validates the program: a damaged one raises RuntimeError, it cannot run.
    return _sre.compile(pattern, flags, list(program), groups, {}, (None,) * (groups + 1))


def compile_cached(pattern: str, cache_dir: Path) -> re.Pattern[str]:
    """Return re.compile(pattern), its compiled program kept in cache_dir for the next process."""
    key = hashlib.sha256(f"{sys.version}\0{re._constants.MAGIC}\0{pattern}".encode()).hexdigest()[:32]  # type: ignore[attr-defined]
    path = cache_dir / f"regex-{key}.bin"
    try:
        data = path.read_bytes()
        flags, groups = json.loads(data[: data.index(b"\n")])
        return _from_program(pattern, flags, array("I", data[data.index(b"\n") + 1 :]), groups)
    except (OSError, ValueError, RuntimeError):  # not cached yet, or not readable as a program
        pass
    flags, program, groups = _regex_program(pattern)
    compiled = _from_program(pattern, flags, program, groups)
    data = json.dumps([flags, groups]).encode() + b"\n" + array("I", program).tobytes()
    try:
        write_atomically(path, lambda partial: partial.write_bytes(data))  # a reader sees all of it or none
    except OSError:  # a read-only state dir: compiled again next time, nothing lost
        pass
    return compiled
