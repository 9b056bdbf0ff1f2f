"""The topic heads trained from data/topic_examples.tsv, trained once and cached under the state dir.

The examples are the source of truth (reviewed like code); the heads are derived from them and never
edited: same examples, encoder and hyperparameters -> the same version -> the same cached file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from tickerhouse import embeddings
from tickerhouse.resources import TOPIC_EXAMPLES_TSV, read_taxonomy
from tickerhouse.settings import load_settings
from tickerhouse.transforms.topic_model import (
    Heads,
    example_labels,
    heads_version,
    read_examples,
    train_heads,
)


@dataclass(frozen=True)
class TopicModel:
    """The heads and the example vectors they were fitted on (for `tag`'s nearest examples)."""

    heads: Heads
    example_headlines: list[str]
    example_vectors: np.ndarray


def load_topic_model(examples_path: Path | None = None, cache_dir: Path | None = None) -> TopicModel:
    """Return the topic model of an examples file (default: the shipped one), cached or trained (~20 s)."""
    examples_path = examples_path or TOPIC_EXAMPLES_TSV
    text = examples_path.read_text(encoding="utf-8")
    folder = cache_dir or load_settings().state_dir / "models"
    return _load(text, str(folder), examples_path.stat().st_mtime_ns)


@lru_cache(maxsize=2)
def _load(text: str, folder: str, _mtime_ns: int) -> TopicModel:
    examples = read_examples(text)
    parents = {t.slug: t.parent for t in read_taxonomy().topics}
    labels = example_labels(examples, parents)
    # The example vectors depend on the examples and the encoder only: retuning a threshold re-fits the
    # heads (0.3 s) without re-embedding 1,200 headlines (~20 s).
    vectors_file = Path(folder) / f"examples-{heads_version(examples, embeddings.MODEL_ID)}.npy"
    if vectors_file.exists():
        vectors = np.load(vectors_file)
    else:
        vectors = embeddings.embed(labels.headlines)
        vectors_file.parent.mkdir(parents=True, exist_ok=True)
        partial = vectors_file.with_suffix(".tmp.npy")
        np.save(partial, vectors)
        partial.replace(vectors_file)  # atomic: a killed run leaves no half-written cache
    heads = train_heads(examples, vectors, parents, embeddings.MODEL_ID)
    return TopicModel(heads, labels.headlines, vectors)
