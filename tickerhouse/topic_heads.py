"""The topic heads trained from data/topic_examples.tsv, trained once and cached under the state dir.

The examples are the source of truth (reviewed like code); the heads are derived from them and never
edited: same examples, encoder and hyperparameters -> the same version -> the same cached file. Both the
example vectors (one per distinct example headline: ~30 s to embed on idle cores, minutes on shared ones)
and the fitted heads (~3 s with scikit-learn's import) are cached, so `tickerhouse tag` loads two small
files and never imports scikit-learn once the heads exist.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np

from tickerhouse import embeddings
from tickerhouse.io.storage import write_atomically
from tickerhouse.resources import TOPIC_EXAMPLES_TSV, read_taxonomy
from tickerhouse.settings import load_settings
from tickerhouse.transforms import topic_model
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
    """Return the topic model of an examples file (default: the shipped one), cached or trained (~30 s)."""
    examples_path = examples_path or TOPIC_EXAMPLES_TSV
    text = examples_path.read_text(encoding="utf-8")
    folder = cache_dir or load_settings().state_dir / "models"
    return _load(text, str(folder), examples_path.stat().st_mtime_ns)


@lru_cache(maxsize=2)
def _load(text: str, folder: str, _mtime_ns: int) -> TopicModel:
    examples = read_examples(text)
    parents = {t.slug: t.parent for t in read_taxonomy().topics}
    vectors_key = heads_version(examples, embeddings.MODEL_ID)
    # The fitted heads depend on everything training reads: the examples (hence their vectors), the
    # topic tree, the training code with its hyperparameters and thresholds, and scikit-learn.
    training = hashlib.sha256(Path(topic_model.__file__).read_bytes()).hexdigest()[:16]
    heads_key = heads_version(
        examples, embeddings.MODEL_ID, parents=parents, training=training, sklearn=version("scikit-learn")
    )
    heads_file = Path(folder) / f"heads-{heads_key}.npz"
    vectors_file = Path(folder) / f"examples-{vectors_key}.npz"
    if heads_file.exists() and vectors_file.exists():
        return _read_model(heads_file, _read_vectors(vectors_file)[1])
    labels = example_labels(examples, parents)
    # The example vectors depend on the examples and the encoder only: retuning a threshold re-fits the
    # heads (0.3 s) without re-embedding the examples (~30 s).
    if vectors_file.exists():
        vectors = _read_vectors(vectors_file)[1]
    else:
        vectors = _example_vectors(labels.headlines, Path(folder))
        write_atomically(
            vectors_file,
            lambda path: np.savez(
                path,
                model=np.array(embeddings.MODEL_ID),
                headlines=np.array(labels.headlines, dtype=str),
                vectors=vectors,
            ),
        )
    heads = train_heads(examples, vectors, parents, embeddings.MODEL_ID)
    write_atomically(
        heads_file,
        lambda path: np.savez(
            path,
            topics=np.array(heads.topics, dtype=str),
            coef=heads.coef,
            intercept=heads.intercept,
            thresholds=np.array(heads.thresholds, dtype=np.float64),
            version=np.array(heads.version),
            headlines=np.array(labels.headlines, dtype=str),
        ),
    )
    return TopicModel(heads, labels.headlines, vectors)


def _read_vectors(vectors_file: Path) -> tuple[list[str], np.ndarray, str]:
    """Return the headlines, vectors and encoder of a cached example-vectors file."""
    with np.load(vectors_file, allow_pickle=False) as saved:
        return [str(h) for h in saved["headlines"]], saved["vectors"], str(saved["model"])


def _example_vectors(headlines: list[str], folder: Path) -> np.ndarray:
    """Return the encoder's vector of each headline, embedding only those no cached examples file holds.

    An edit of the examples re-embeds its new headlines only (a vector does not depend on the batch it
    was embedded in, so the result is the same as embedding them all).
    """
    known: dict[str, np.ndarray] = {}
    for cached in folder.glob("examples-*.npz"):
        try:
            names, vectors, model = _read_vectors(cached)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # damaged: not reused
            continue
        if model == embeddings.MODEL_ID:
            known.update(zip(names, vectors, strict=True))
    missing = [h for h in headlines if h not in known]
    if missing:
        known.update(zip(missing, embeddings.embed(missing), strict=True))
    return np.stack([known[h] for h in headlines]).astype(np.float32)


def _read_model(heads_file: Path, vectors: np.ndarray) -> TopicModel:
    """Return the topic model of a cached heads file and the cached example vectors."""
    with np.load(heads_file, allow_pickle=False) as saved:
        heads = Heads(
            topics=tuple(str(t) for t in saved["topics"]),
            coef=saved["coef"],
            intercept=saved["intercept"],
            thresholds=tuple(float(t) for t in saved["thresholds"]),
            version=str(saved["version"]),
        )
        headlines = [str(h) for h in saved["headlines"]]
    return TopicModel(heads, headlines, vectors)
