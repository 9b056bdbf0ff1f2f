"""Topic tags and story tokens of stored headlines and articles: the rows the warehouse keeps for them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from tickerhouse.transforms.textfold import fold_text
from tickerhouse.transforms.topic_model import Heads, combine_tags, score
from tickerhouse.transforms.topics import LANGUAGES, Taxonomy, tag_texts, vetoed_topics

# A topic found only in an article's body needs this many distinct terms of it there: bodies
# mention many topics in passing. Measured on MasakhaNEWS fr (title + text, macro-F1 dev / train)
# for 1..5 terms: 0.552/0.565, 0.655/0.653, 0.701/0.688, 0.716/0.694, 0.719/0.692. Past 3 the
# gain is under 0.02 while untagged articles double (6 -> 12 of 211), so 3.
MIN_BODY_TERMS = 3

# Words of 1-2 letters (le, de, au, في) carry no story; they would make unrelated headlines look alike.
_MIN_TOKEN_CHARS = 3
_WORD = re.compile(r"\w+")

HEADLINE_TOPIC_COLUMNS = [
    "headline_id", "topic", "matched_terms", "via", "taxonomy_version", "score", "model_version",
]  # fmt: skip
ARTICLE_TOPIC_COLUMNS = [
    "article_id", "topic", "matched_terms", "via", "found_in", "taxonomy_version", "score", "model_version",
]  # fmt: skip


def _tagging_languages(languages: pd.Series) -> pd.Series:
    """Return the edition whose terms apply per text: fr/ar/en as detected, else None (all terms)."""
    return languages.where(languages.isin(LANGUAGES), None).astype(object)


def _model_scores(heads: Heads | None, vectors: np.ndarray | None, n: int) -> np.ndarray | None:
    """Return the heads' scores of n texts; a text whose vector is missing (NaN row) scores NaN."""
    if heads is None or vectors is None:
        return None
    if len(vectors) != n:
        raise ValueError(f"expected {n} vectors, got {len(vectors)}")
    return score(heads, vectors)


def _tag_rows(
    ids: pd.Series, tags: pd.DataFrame, taxonomy: Taxonomy, heads: Heads | None, embedded: np.ndarray
) -> dict[str, object]:
    """Return the columns every tag row carries: the id, the tag, and the versions it was derived with."""
    rows = tags["row"].to_numpy(dtype=int)
    model_version = None if heads is None else heads.version
    return {
        "topic": tags["topic"].to_numpy(),
        "matched_terms": tags["matched_terms"].to_numpy(),
        "via": tags["via"].to_numpy(),
        "taxonomy_version": taxonomy.version,
        "score": tags["score"].to_numpy(),
        # the heads' version only where the text was scored: a tag of a text not embedded yet is partial
        "model_version": np.where(embedded[rows], model_version, None) if len(rows) else [],
        "_id": ids.to_numpy()[rows],
    }


def _embedded(vectors: np.ndarray | None, n: int) -> np.ndarray:
    if vectors is None:
        return np.zeros(n, dtype=bool)
    return ~np.isnan(vectors).any(axis=1)


def headline_topics(
    headlines: pd.DataFrame,
    taxonomy: Taxonomy,
    heads: Heads | None = None,
    vectors: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return one row per (headline_id, topic) of distinct headlines (headline_id, headline, language).

    With `heads` and `vectors` (one per distinct headline, in order; NaN rows: not embedded yet) the
    model's tags join the lexicon's (transforms/topic_model.py, combine_tags); without, the lexicon's.
    """
    distinct = headlines.drop_duplicates("headline_id").reset_index(drop=True)
    lexicon = tag_texts(distinct["headline"], taxonomy, _tagging_languages(distinct["language"]))
    scores = _model_scores(heads, vectors, len(distinct))
    vetoes = vetoed_topics(distinct["headline"], taxonomy) if scores is not None else None
    tags = combine_tags(lexicon, scores, heads, _parents(taxonomy), vetoes)
    columns = _tag_rows(distinct["headline_id"], tags, taxonomy, heads, _embedded(vectors, len(distinct)))
    frame = pd.DataFrame({"headline_id": columns.pop("_id"), **columns}, columns=HEADLINE_TOPIC_COLUMNS)
    return frame.astype({"headline_id": "str", "topic": "str", "via": "str", "taxonomy_version": "str"})


def _parents(taxonomy: Taxonomy) -> dict[str, str | None]:
    return {t.slug: t.parent for t in taxonomy.topics}


def article_model_text(title: str, paragraphs: list[str]) -> str:
    """Return the text of an article the model embeds: its title and its first paragraph."""
    return "\n".join([title, *paragraphs[:1]])


def article_topics(
    articles: pd.DataFrame,
    taxonomy: Taxonomy,
    min_body_terms: int = MIN_BODY_TERMS,
    heads: Heads | None = None,
    vectors: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return one row per (article_id, topic) for articles (article_id, title, body, language).

    The lexicon counts a topic when the title has it, or the body has at least `min_body_terms`
    distinct terms of it; a kept topic keeps its ancestors (football keeps sports). With `heads` and
    `vectors` (of article_model_text, one per distinct article) the model's tags join them.
    """
    distinct = articles.drop_duplicates("article_id").reset_index(drop=True)
    languages = _tagging_languages(distinct["language"])
    title = tag_texts(distinct["title"], taxonomy, languages).assign(found_in="title")
    body = tag_texts(distinct["body"], taxonomy, languages).assign(found_in="body")
    strong = body["matched_terms"].map(len) >= min_body_terms
    # An ancestor reached only through its child counts when the child counts.
    parents = _parents(taxonomy)
    kept = set(zip(title["row"], title["topic"], strict=True)) | set(
        zip(body.loc[strong, "row"], body.loc[strong, "topic"], strict=True)
    )
    for row, topic in list(kept):
        while parents.get(topic) is not None:
            topic = parents[topic]
            kept.add((row, topic))
    both = pd.concat([title, body], ignore_index=True)
    keys = pd.Series(list(zip(both["row"], both["topic"], strict=True)), dtype=object)
    both = both[keys.isin(kept).to_numpy()]
    # The title is the stronger evidence: its `via` wins, body terms are added after its own.
    lexicon = (
        both.groupby(["row", "topic"], sort=False)
        .agg(
            matched_terms=("matched_terms", lambda lists: list(dict.fromkeys(t for ts in lists for t in ts))),
            via=("via", "first"),
            found_in=("found_in", "first"),
        )
        .reset_index()
    )
    scores = _model_scores(heads, vectors, len(distinct))
    vetoes = vetoed_topics(distinct["title"], taxonomy) if scores is not None else None
    tags = combine_tags(lexicon, scores, heads, parents, vetoes)
    found_in = dict(zip(zip(lexicon["row"], lexicon["topic"], strict=True), lexicon["found_in"], strict=True))
    columns = _tag_rows(distinct["article_id"], tags, taxonomy, heads, _embedded(vectors, len(distinct)))
    columns["found_in"] = [
        found_in.get((r, t), "model") for r, t in zip(tags["row"], tags["topic"], strict=True)
    ]
    frame = pd.DataFrame({"article_id": columns.pop("_id"), **columns}, columns=ARTICLE_TOPIC_COLUMNS)
    return frame.astype(
        {"article_id": "str", "topic": "str", "via": "str", "found_in": "str", "taxonomy_version": "str"}
    )


def story_tokens(text: str) -> list[str]:
    """Return the distinct folded words of a headline that can tell stories apart, sorted."""
    return sorted({w for w in _WORD.findall(fold_text(text)) if len(w) >= _MIN_TOKEN_CHARS})


def headline_tokens(headlines: pd.DataFrame) -> pd.DataFrame:
    """Return one row per distinct headline_id with its story tokens (for near-duplicate grouping)."""
    distinct = headlines.drop_duplicates("headline_id")
    return pd.DataFrame(
        {
            "headline_id": distinct["headline_id"].astype("str").to_numpy(),
            "tokens": distinct["headline"].map(story_tokens).to_numpy(),
        },
        columns=["headline_id", "tokens"],
    )
