"""Scoring topic tags against labelled headlines (MasakhaNEWS French): per-label precision, recall, F1.

A row is predicted positive for a label when the mapped topic is among its tags (multi-label tags
against single-label gold, so precision is a lower bound when a headline has two topics). Used by
bench/topic_accuracy.py, which prints the tables, and by the quality-floor test.
"""

from __future__ import annotations

import pandas as pd

from tickerhouse.transforms.topics import Taxonomy, tag_texts

# MasakhaNEWS labels that have a topic in data/topics.toml (the others have none to be scored against).
LABEL_TO_TOPIC = {
    "business": "economy",
    "health": "health",
    "politics": "politics",
    "sports": "sports",
    "technology": "technology",
}


def score(gold: pd.Series, predicted: pd.DataFrame) -> pd.DataFrame:
    """Return precision, recall, F1 and support per label plus a macro row."""
    rows = []
    for label, topic in LABEL_TO_TOPIC.items():
        hit = set(predicted.loc[predicted["topic"] == topic, "row"])
        is_pred = gold.index.isin(list(hit))
        is_gold = (gold == label).to_numpy()
        tp = int((is_pred & is_gold).sum())
        precision = tp / is_pred.sum() if is_pred.sum() else 0.0
        recall = tp / is_gold.sum() if is_gold.sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append((label, topic, precision, recall, f1, int(is_gold.sum())))
    table = pd.DataFrame(rows, columns=["label", "topic", "precision", "recall", "f1", "support"])
    macro = table[["precision", "recall", "f1"]].mean()
    table.loc[len(table)] = ["macro", "", *macro.tolist(), int(table["support"].sum())]
    return table


def macro_f1(frame: pd.DataFrame, taxonomy: Taxonomy, column: str = "headline") -> float:
    """Return the macro-F1 over the five labels when tagging `column` in French."""
    tags = tag_texts(frame[column], taxonomy, pd.Series("fr", index=frame.index))
    return float(score(frame["category"], tags).iloc[-1]["f1"])
