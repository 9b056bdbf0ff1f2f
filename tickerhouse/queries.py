"""The saved queries a user runs (sql/queries/): their grain, their parameters and the defaults these take.

Each file states its grain on its first line and then declares every `$name` it binds, one comment line
each, with its default: `-- param days = 30: days back from the newest article` (`= null` binds NULL).
`tickerhouse sql --list` prints these lines; `--saved` fills the defaults in and refuses a parameter the
query does not declare, before the warehouse is opened. Plain Python, no
imports beyond the standard library: `sql --list` pays no pandas or DuckDB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tickerhouse.errors import UsageError
from tickerhouse.resources import sql_names, sql_text

FOLDER = "queries"
_PARAM = re.compile(r"^--\s*param\s+(?P<name>\w+)\s*=\s*(?P<default>[^:]+?)\s*:\s*(?P<doc>.*)$")
_BOUND = re.compile(r"\$(\w+)")


@dataclass(frozen=True)
class Param:
    """One declared parameter: its name, its default as it would be given on the command line, its doc."""

    name: str
    default: str
    doc: str

    def value(self, given: str | None) -> str | None:
        """Return what is bound: the given text, else the default (`null` binds NULL)."""
        text = self.default if given is None else given
        return None if text == "null" else text


@dataclass(frozen=True)
class SavedQuery:
    """A saved query: name, grain (its first comment line), declared parameters in order, SQL text."""

    name: str
    grain: str
    params: tuple[Param, ...]
    text: str

    def bind(self, given: dict[str, str]) -> dict[str, str | None]:
        """Return every parameter's value (given, else its default); refuse an undeclared one (exit 2)."""
        known = {p.name: p for p in self.params}
        if unknown := sorted(set(given) - set(known)):
            have = ", ".join(known) or "none"
            raise UsageError(f"saved query {self.name!r} has no parameter {', '.join(unknown)} (has: {have})")
        return {name: p.value(given.get(name)) for name, p in known.items()}

    def usage(self) -> list[str]:
        """Return the lines `sql --list` prints for this query: name and grain, then one per parameter."""
        lines = [f"{self.name}: {self.grain}"]
        for p in self.params:
            lines.append(f"    --param {f'{p.name}={p.default}':<18} {p.doc}".rstrip())
        return lines


def saved_query(name: str) -> SavedQuery:
    """Return the saved query NAME of sql/queries/; refuse a name that is not one (exit 2)."""
    names = sql_names(FOLDER)
    if name not in names:
        raise UsageError(f"no saved query {name!r}; have {names} (`tickerhouse sql --list` shows them)")
    text = sql_text(f"{FOLDER}/{name}")
    comments = [line.strip() for line in text.splitlines() if line.strip().startswith("--")]
    params = tuple(
        Param(m["name"], m["default"], m["doc"].strip()) for line in comments if (m := _PARAM.match(line))
    )
    code = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    if undeclared := set(_BOUND.findall(code)) ^ {p.name for p in params}:
        raise ValueError(f"sql/{FOLDER}/{name}.sql: declare each $name it binds, once: {sorted(undeclared)}")
    grain = comments[0].removeprefix("--").strip() if comments else ""
    return SavedQuery(name, grain, params, text)


def saved_queries() -> list[SavedQuery]:
    """Return every saved query, by name (the product's own, sql/internal/, are not saved queries)."""
    return [saved_query(name) for name in sql_names(FOLDER)]
