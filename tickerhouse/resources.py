"""The files tickerhouse ships: its SQL and its reference data, found through importlib.resources.

They resolve inside the installed package (or the checkout, in an editable install), never relative to
the current directory, so a wheel works from any folder.
"""

from __future__ import annotations

from functools import lru_cache, partial
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the taxonomy code pulls in pandas: loaded only when a taxonomy is compiled
    from tickerhouse.transforms.topics import Taxonomy


def _folder(package: str) -> Path:
    root = files(package)
    # pip and uv install wheels unpacked, so the package's files are a real folder that DuckDB and
    # pandas can open by path; a zipped install would need extracting first and is not supported.
    if not isinstance(root, Path):
        raise RuntimeError(f"{package} is not installed as a folder ({root!r}); reinstall unzipped")
    return root


SQL_DIR = _folder("tickerhouse.sql")
DATA_DIR = _folder("tickerhouse.data")
OUTLETS_CSV = DATA_DIR / "outlets.csv"
TOPICS_TOML = DATA_DIR / "topics.toml"
TOPIC_EXAMPLES_TSV = DATA_DIR / "topic_examples.tsv"


def sql_text(name: str) -> str:
    """Return the text of sql/NAME.sql (NAME may hold folders: `queries/summary`)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def sql_names(folder: str) -> list[str]:
    """Return the names of the .sql files of one sql/ folder, sorted."""
    return sorted(p.stem for p in (SQL_DIR / folder).glob("*.sql"))


def read_taxonomy(path: Path = TOPICS_TOML) -> Taxonomy:
    """Return the compiled topic taxonomy of a TOML file (see compiled_taxonomy)."""
    return compiled_taxonomy(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)  # a worker process handles many batches
def compiled_taxonomy(toml_text: str) -> Taxonomy:
    """Return the compiled topic taxonomy of TOML text, compiled once per process per text."""
    from tickerhouse.regex_cache import compile_cached
    from tickerhouse.settings import load_settings
    from tickerhouse.transforms.topics import load_taxonomy

    # The compiled matchers are kept under the state dir: ~1-2 s to compile, a few ms to load.
    return load_taxonomy(toml_text, partial(compile_cached, cache_dir=load_settings().state_dir / "cache"))
