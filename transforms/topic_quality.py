"""Scoring topic tags against labelled headlines: per language and topic precision, recall, F1.

Used by bench/topic_accuracy.py, which prints the tables, and by the quality-floor test, so both
measure the same thing. Labelled sets are only measured here, never trained on.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from tickerhouse.transforms.topic_model import Heads, combine_tags, score
from tickerhouse.transforms.topic_tags import headline_topics
from tickerhouse.transforms.topics import Taxonomy, vetoed_topics

# MasakhaNEWS labels that have a topic in data/topics.toml (the others have none to be scored against).
LABEL_TO_TOPIC = {
    "business": "economy",
    "health": "health",
    "politics": "politics",
    "sports": "sports",
    "technology": "technology",
}
# The labels of ../shared/fixtures/ticker_headlines_labelled (one 0/1 column each).
TICKER_TOPICS = ("defense", "football", "sports", "economy", "politics")
SCORE_COLUMNS = ["language", "topic", "precision", "recall", "f1", "support"]


def masakhanews_gold(categories: pd.Series) -> pd.DataFrame:
    """Return the one-label-per-row MasakhaNEWS categories as a bool matrix (row x mapped topic)."""
    return pd.DataFrame({topic: categories == label for label, topic in LABEL_TO_TOPIC.items()})


def score_tags(gold: pd.DataFrame, tags: pd.DataFrame, languages: pd.Series) -> pd.DataFrame:
    """Return one row per language per gold topic, then a `macro` row per language (mean of the topics).

    `gold` is a bool matrix (rows x topics) with a 0..n-1 index; `tags` the predicted (row, topic)
    pairs; `languages` the gold language of each row. A row counts as predicted for a topic when the
    topic is among its tags (multi-label, so a single-label gold makes precision a lower bound).
    """
    predicted = pd.DataFrame(False, index=gold.index, columns=gold.columns)
    for row, topic in zip(tags["row"], tags["topic"], strict=True):
        if topic in predicted.columns:
            predicted.loc[row, topic] = True
    out = []
    for language in sorted(languages.unique()):
        mask = (languages == language).to_numpy()
        rows = []
        for topic in gold.columns:
            is_gold = gold[topic].to_numpy()[mask]
            is_pred = predicted[topic].to_numpy()[mask]
            tp = int((is_gold & is_pred).sum())
            precision = tp / is_pred.sum() if is_pred.sum() else 0.0
            recall = tp / is_gold.sum() if is_gold.sum() else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            rows.append((language, topic, precision, recall, f1, int(is_gold.sum())))
        table = pd.DataFrame(rows, columns=SCORE_COLUMNS)
        macro = table[["precision", "recall", "f1"]].mean()
        out += [*rows, (language, "macro", *macro.tolist(), int(table["support"].sum()))]
    return pd.DataFrame(out, columns=SCORE_COLUMNS)


def system_tags(
    texts: pd.DataFrame, taxonomy: Taxonomy, heads: Heads, vectors: np.ndarray
) -> dict[str, pd.DataFrame]:
    """Return the (row, topic) tags of texts (headline, language; index 0..n-1) by each system.

    `lexicon` is the taxonomy alone, `model` the heads alone (thresholds, vetoes and parents applied),
    `combined` the rule the warehouse applies (transforms/topic_tags.py).
    """
    frame = texts.assign(headline_id=[str(i) for i in range(len(texts))])
    lexicon = headline_topics(frame, taxonomy)
    combined = headline_topics(frame, taxonomy, heads, vectors)
    none = pd.DataFrame({"row": [], "topic": [], "matched_terms": [], "via": []})
    parents = {t.slug: t.parent for t in taxonomy.topics}
    model = combine_tags(
        none, score(heads, vectors), heads, parents, vetoed_topics(frame["headline"], taxonomy)
    )
    as_rows = {
        name: pd.DataFrame({"row": tags["headline_id"].astype(int), "topic": tags["topic"]})
        for name, tags in (("lexicon", lexicon), ("combined", combined))
    }
    return {"lexicon": as_rows["lexicon"], "model": model[["row", "topic"]], "combined": as_rows["combined"]}


def read_ticker_labelled(text: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the labelled ticker headlines (headline, language) and their gold matrix, from the TSV text."""
    frame = pd.read_csv(io.StringIO(text), sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    gold = pd.DataFrame({t: frame[t].astype(int).astype(bool) for t in TICKER_TOPICS})
    return frame[["headline", "language"]], gold


def read_masakhanews(text: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return MasakhaNEWS French (headline, text, language = fr) and its gold matrix, from the TSV text."""
    frame = pd.read_csv(io.StringIO(text), sep="\t", usecols=["category", "headline", "text"]).fillna("")
    frame["language"] = "fr"
    return frame, masakhanews_gold(frame["category"])


def score_systems(
    texts: pd.DataFrame, detected: pd.Series, gold: pd.DataFrame, taxonomy: Taxonomy, heads: Heads,
    vectors: np.ndarray,
) -> dict[str, pd.DataFrame]:  # fmt: skip
    """Return each system's score table on labelled headlines, tagged in the `detected` languages.

    Tagging uses the language as ingest detects it; the tables are split by the set's own language.
    """
    tags = system_tags(texts.assign(language=detected.to_numpy()), taxonomy, heads, vectors)
    return {name: score_tags(gold, t, texts["language"]) for name, t in tags.items()}
