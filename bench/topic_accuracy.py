"""Print topic-tagging precision/recall/F1 on MasakhaNEWS French and tagging throughput.

Usage: .venv/bin/python bench/topic_accuracy.py [--shared ../shared] [--split dev]

A row is predicted positive for a label when the mapped topic is among its tags (multi-label
tags against single-label gold, so precision is a lower bound when a headline has two topics).
"""

import argparse
import time
from pathlib import Path

import pandas as pd

from tickerhouse.transforms.topic_quality import score
from tickerhouse.transforms.topic_tags import MIN_BODY_TERMS, article_topics
from tickerhouse.transforms.topics import Taxonomy, load_taxonomy, tag_texts

REPO = Path(__file__).resolve().parents[1]

SPLITS = {"train": "train_50_per_label.tsv", "dev": "dev.tsv"}


def read_split(shared: Path, split: str) -> pd.DataFrame:
    """Return one labelled split: one row per article with category, headline, text."""
    path = shared / "fixtures" / "masakhanews_fra" / SPLITS[split]
    return pd.read_csv(path, sep="\t", usecols=["category", "headline", "text"])


def markdown(table: pd.DataFrame) -> str:
    """Return the score table as Markdown."""
    lines = ["| label | topic | precision | recall | F1 | n |", "|---|---|---:|---:|---:|---:|"]
    for r in table.itertuples(index=False):
        lines.append(
            f"| {r.label} | {r.topic} | {r.precision:.3f} | {r.recall:.3f} | {r.f1:.3f} | {r.support} |"
        )
    return "\n".join(lines)


def throughput(headlines: list[str], taxonomy: Taxonomy, target: int = 20_000) -> float:
    """Return distinct headlines tagged per second (one core, folding included)."""
    # Suffixing a counter keeps every text distinct so tag_texts cannot reuse a cached result.
    texts = pd.Series([f"{h} {i}" for i in range(target // len(headlines) + 1) for h in headlines])
    start = time.perf_counter()
    tag_texts(texts, taxonomy)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    """Print the accuracy tables and the throughput figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO / ".." / "shared")
    parser.add_argument("--split", choices=sorted(SPLITS), default="dev")
    parser.add_argument("--taxonomy", type=Path, default=REPO / "data" / "topics.toml")
    args = parser.parse_args()

    start = time.perf_counter()
    taxonomy = load_taxonomy(args.taxonomy.read_text(encoding="utf-8"))
    compile_s = time.perf_counter() - start
    frame = read_split(args.shared, args.split)
    frame["headline_text"] = frame["headline"] + "\n" + frame["text"].fillna("")
    languages = pd.Series("fr", index=frame.index)

    print(f"taxonomy {taxonomy.version}, {args.split} split, {len(frame)} rows\n")
    for title, column in (("headline", "headline"), ("headline + text", "headline_text")):
        tags = tag_texts(frame[column], taxonomy, languages)
        untagged = len(frame) - tags["row"].nunique()
        print(f"### {title} (rows with no topic: {untagged})\n")
        print(markdown(score(frame["category"], tags)) + "\n")

    # The rule ingest applies to articles: topic in the title, or enough distinct terms in the body.
    articles = pd.DataFrame(
        {
            "article_id": frame.index,
            "title": frame["headline"],
            "body": frame["text"].fillna(""),
            "language": "fr",
        }
    )
    for n in range(1, 6):
        tags = article_topics(articles, taxonomy, min_body_terms=n).assign(
            row=lambda t: t["article_id"].astype(int)
        )
        table = score(frame["category"], tags)
        mark = " (MIN_BODY_TERMS, used at ingest)" if n == MIN_BODY_TERMS else ""
        print(f"article rule, title or >= {n} body terms: macro-F1 {table.iloc[-1]['f1']:.3f}{mark}")
        if n == MIN_BODY_TERMS:
            rule_table = table
    print(f"\n### article rule, title or >= {MIN_BODY_TERMS} body terms\n\n{markdown(rule_table)}\n")

    rate = throughput(frame["headline"].tolist(), taxonomy)
    print(f"compile: {compile_s * 1000:.0f} ms; throughput: {rate:,.0f} distinct headlines/s")


if __name__ == "__main__":
    main()
