"""Print topic-tagging precision/recall/F1 (lexicon, model, combined) on the labelled dev sets, and speeds.

Usage: .venv/bin/python bench/topic_accuracy.py [--shared ../shared] [--sweep] [--errors T,...] [--no-cache]

Dev sets (measured only, never trained on): the labelled real ticker headlines of two sister sites of
Maghress (../shared/fixtures/ticker_headlines_labelled/dev.tsv, French and Arabic) and MasakhaNEWS
French dev (headlines, and articles: title + text). Languages are detected as ingest detects them;
the tables are split by the set's own language column. --sweep prints, per topic, the combined F1 at
each model threshold (the evidence behind transforms/topic_model.py THRESHOLDS); --errors lists, per
topic named, the dev headlines the combined rule misses or wrongly tags, with the head's score (to see
what kind of headline is missed; never to copy into data/). The dev sets' vectors are cached per encoder
in the state dir (state/bench/), so a re-run after an examples or threshold change embeds nothing new;
--no-cache re-embeds. The throughput line always embeds afresh.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from tickerhouse import embeddings
from tickerhouse.io.storage import write_atomically
from tickerhouse.resources import read_taxonomy
from tickerhouse.settings import load_settings
from tickerhouse.topic_heads import load_topic_model
from tickerhouse.transforms.language import detect_languages
from tickerhouse.transforms.topic_model import score
from tickerhouse.transforms.topic_quality import (
    read_masakhanews,
    read_ticker_labelled,
    score_systems,
    score_tags,
    system_tags,
)
from tickerhouse.transforms.topic_tags import article_model_text, article_topics
from tickerhouse.transforms.topics import tag_texts

REPO = Path(__file__).resolve().parents[1]
SWEEP = [round(x, 2) for x in np.arange(0.30, 0.91, 0.05)]


def cached_embed(texts: list[str], folder: Path | None) -> np.ndarray:
    """Return embeddings.embed(texts), reusing the vectors an earlier run stored in folder (None: no cache).

    One file per encoder (its id, prefix and cut), so a changed encoder never reuses old vectors.
    """
    if folder is None:
        return embeddings.embed(texts)
    encoder = f"{embeddings.MODEL_ID}|{embeddings.PREFIX}|{embeddings.MAX_CHARS}"
    path = folder / f"vectors-{hashlib.sha256(encoder.encode('utf-8')).hexdigest()[:16]}.npz"
    known: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path, allow_pickle=False) as saved:
            known = dict(zip(saved["texts"].tolist(), saved["vectors"], strict=True))
    missing = sorted(set(texts) - known.keys())
    if missing:
        known.update(zip(missing, embeddings.embed(missing), strict=True))
        write_atomically(
            path,
            lambda target: np.savez(
                target, texts=np.array(list(known), dtype=str), vectors=np.stack(list(known.values()))
            ),
        )
    return np.stack([known[t] for t in texts]).astype(np.float32)


def ticker_dev(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the labelled ticker headlines and their gold matrix."""
    path = shared / "fixtures" / "ticker_headlines_labelled" / "dev.tsv"
    return read_ticker_labelled(path.read_text(encoding="utf-8"))


def masakhanews_dev(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return MasakhaNEWS French dev and its gold matrix."""
    return read_masakhanews((shared / "fixtures" / "masakhanews_fra" / "dev.tsv").read_text(encoding="utf-8"))


def markdown(results: dict[str, pd.DataFrame]) -> str:
    """Return the systems' scores side by side: one row per language and topic."""
    systems = list(results)
    lines = [
        "| lang | topic | n | " + " | ".join(f"{s} P / R / F1" for s in systems) + " |",
        "|---|---|---:|" + "---|" * len(systems),
    ]
    first = results[systems[0]]
    for i, row in first.iterrows():
        cells = [
            f"{r.precision:.2f} / {r.recall:.2f} / **{r.f1:.2f}**"
            for r in (results[s].loc[i] for s in systems)
        ]
        lines.append(f"| {row.language} | {row.topic} | {row.support} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def evaluate(texts: pd.DataFrame, gold: pd.DataFrame, taxonomy, model, cache: Path | None) -> tuple:
    """Return the score table of each system on headlines, the detected-language frame and the vectors."""
    detected = detect_languages(texts["headline"])
    vectors = cached_embed(texts["headline"].tolist(), cache)
    results = score_systems(texts, detected, gold, taxonomy, model.heads, vectors)
    return results, texts.assign(language=detected.to_numpy()), vectors


def sweep(detected, vectors, gold, languages, taxonomy, heads) -> str:
    """Return, per topic, the combined F1 per language at each threshold of that topic's head."""
    lines = [
        "| topic | lang | " + " | ".join(f"{t:.2f}" for t in SWEEP) + " |",
        "|---|---|" + "---:|" * len(SWEEP),
    ]
    for topic in gold.columns:
        if topic not in heads.topics:
            continue
        i = heads.topics.index(topic)
        by_threshold = []
        for cut in SWEEP:
            trial = replace(heads, thresholds=(*heads.thresholds[:i], cut, *heads.thresholds[i + 1 :]))
            table = score_tags(gold, system_tags(detected, taxonomy, trial, vectors)["combined"], languages)
            by_threshold.append(table[table["topic"] == topic].set_index("language")["f1"])
        for language in sorted(languages.unique()):
            cells = " | ".join(f"{f[language]:.2f}" for f in by_threshold)
            lines.append(f"| {topic} | {language} | {cells} |")
    return "\n".join(lines)


def errors(detected, vectors, gold, taxonomy, heads, topics: list[str]) -> str:
    """Return, per topic named, the headlines the combined rule misses or wrongly tags, and their score."""
    tags = system_tags(detected, taxonomy, heads, vectors)["combined"]
    predicted = set(zip(tags["row"], tags["topic"], strict=True))
    scores = score(heads, vectors)
    lines = []
    for topic in topics:
        column = scores[:, heads.topics.index(topic)] if topic in heads.topics else np.full(len(gold), np.nan)
        for row, (is_gold, text) in enumerate(zip(gold[topic], detected["headline"], strict=True)):
            if bool(is_gold) != ((row, topic) in predicted):
                kind = "missed" if is_gold else "false positive"
                language = detected["language"].iat[row]
                lines.append(f"- {topic} {kind} ({language}, score {column[row]:.2f}): {text}")
    return "\n".join(lines)


def main() -> None:
    """Print the accuracy tables, then the lexicon's and the encoder's throughput."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO / ".." / "shared")
    parser.add_argument("--sweep", action="store_true", help="print the threshold sweep per topic")
    parser.add_argument("--errors", default="", help="comma-separated topics whose errors to list")
    parser.add_argument("--no-cache", action="store_true", help="re-embed the dev sets")
    args = parser.parse_args()
    cache = None if args.no_cache else load_settings().state_dir / "bench"

    taxonomy = read_taxonomy()
    start = time.perf_counter()
    model = load_topic_model()
    print(f"taxonomy {taxonomy.version}, topic model {model.heads.version} ({embeddings.MODEL_ID}), "
          f"loaded in {time.perf_counter() - start:.1f} s\n")  # fmt: skip

    for title, (texts, gold) in (
        ("Ticker headlines (Djazairess + Sauress, dev)", ticker_dev(args.shared)),
        ("MasakhaNEWS French dev, headlines", masakhanews_dev(args.shared)),
    ):
        results, detected, vectors = evaluate(texts, gold, taxonomy, model, cache)
        print(f"### {title}, {len(texts)} rows\n\n{markdown(results)}\n")
        if args.sweep:
            table = sweep(detected, vectors, gold, texts["language"], taxonomy, model.heads)
            print(f"#### threshold sweep, combined F1\n\n{table}\n")
        named = [t for t in args.errors.split(",") if t in gold.columns]
        if named:
            listed = errors(detected, vectors, gold, taxonomy, model.heads, named)
            print(f"#### errors of the combined rule\n\n{listed}\n")

    # Articles: the rule ingest applies (title, or >= MIN_BODY_TERMS body terms), with and without the model.
    frame, gold = masakhanews_dev(args.shared)
    articles = pd.DataFrame(
        {
            "article_id": frame.index.astype(str),
            "title": frame["headline"],
            "body": frame["text"],
            "language": "fr",
        }
    )
    texts = [
        article_model_text(t, b.split("\n")) for t, b in zip(articles["title"], articles["body"], strict=True)
    ]
    vectors = cached_embed(texts, cache)
    results = {}
    for name, heads in (("lexicon", None), ("combined", model.heads)):
        tags = article_topics(articles, taxonomy, heads=heads, vectors=vectors if heads else None)
        rows = pd.DataFrame({"row": tags["article_id"].astype(int), "topic": tags["topic"]})
        results[name] = score_tags(gold, rows, frame["language"])
    print(f"### MasakhaNEWS French dev, articles (title + text), {len(frame)} rows\n\n{markdown(results)}\n")

    headlines = ticker_dev(args.shared)[0]["headline"]
    distinct = pd.Series([f"{h} {i}" for i in range(40) for h in headlines])  # distinct: no cache hit
    start = time.perf_counter()
    tag_texts(distinct, taxonomy)
    lexicon_rate = len(distinct) / (time.perf_counter() - start)
    sample = headlines.tolist()[:256]
    start = time.perf_counter()
    embeddings.embed(sample)
    model_rate = len(sample) / (time.perf_counter() - start)
    print(
        f"lexicon: {lexicon_rate:,.0f} distinct headlines/s (one core); "
        f"encoder: {model_rate:,.1f} distinct headlines/s (this process, all cores)"
    )


if __name__ == "__main__":
    main()
