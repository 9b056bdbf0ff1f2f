"""A generated corpus parses to the same tables as when the digests below were taken.

The parse, decode and language code is tuned for speed (bench/parse_profile.py); this pins what it
produces, table by table, for a deterministic corpus with every kind of bad file the generator makes.
A digest changes only with a change meant to change outputs (the parser's rules, the generator's
templates): then the failing table says where to look, and the new digest goes in with that change.
"""

import hashlib
from datetime import UTC, datetime

import pandas as pd
import pytest

from tickerhouse.resources import OUTLETS_CSV
from tickerhouse.samples.corpus import generate_corpus
from tickerhouse.transforms.parse import parse_dump
from tickerhouse.transforms.source_file import SourceFile
from tickerhouse.transforms.tables import build_tables

INGESTED_AT = datetime(2025, 2, 1, tzinfo=UTC)
# sha256 of each table's rows (their Python values, in order) for generate_corpus(600, bad_ratio=0.1).
DIGESTS = {
    "articles": "26a1cac36f2e147b3339b280a30140e7063976717dfb52ed5f20058d8d12d8b8",
    "dumps": "0e09d376ae5f0499e5954bce693db38b5332187ac4b781ff535abb3e38f496f7",
    "files": "cf33d3e403dcea3104f66368ec49bf2994788d8344f6dfff3db0863f4bcb26aa",
    "items": "127c68a690bbb85cb6b3d01cb3b7fcea83329b8a00974a8c1e3cb8936872cf4b",
    "raw": "b33178736c7703f85da5fb48336d9e3f8a37eee3fbf7fd2602e1d17ca7bc2ec1",
    "rejects": "7e192fcd1e65b9258e99c9ff475544dff7fbd33793e143c78d8d221af9e538ac",
    "versions": "2225b3fba865a9d764eb4b15e510081842b9d1a73cf928d618bc79993e6323e2",
}


def _digest(rows: list[dict]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def corpus_tables() -> dict[str, str]:
    batch = []
    for sample in generate_corpus(600, bad_ratio=0.1):
        if sample.kind == "manifest":
            continue
        digest = hashlib.sha256(sample.data).hexdigest()
        source = SourceFile(
            f"/landing/{sample.relpath}", len(sample.data), int(sample.mtime * 1e9), None, digest
        )
        batch.append((source, sample.data, parse_dump(sample.data)))
    outlets = pd.read_csv(OUTLETS_CSV, dtype=str, keep_default_na=False)
    tables = build_tables(batch, outlets, "run", INGESTED_AT)
    return {name: _digest(table.to_pylist()) for name, table in tables.items()}


@pytest.mark.parametrize("table", sorted(DIGESTS))
def test_a_generated_corpus_parses_to_the_same_table(corpus_tables, table):
    assert corpus_tables[table] == DIGESTS[table]
