"""Topic tags and story tokens of stored headlines and articles: the rows the warehouse keeps for them."""

from __future__ import annotations

import re

import pandas as pd

from tickerhouse.transforms.textfold import fold_text
from tickerhouse.transforms.topics import LANGUAGES, Taxonomy, tag_texts

# A topic found only in an article's body needs this many distinct terms of it there: bodies
# mention many topics in passing. Measured on MasakhaNEWS fr (title + text, macro-F1 dev / train)
# for 1..5 terms: 0.552/0.565, 0.655/0.653, 0.701/0.688, 0.716/0.694, 0.719/0.692. Past 3 the
# gain is under 0.02 while untagged articles double (6 -> 12 of 211), so 3.
MIN_BODY_TERMS = 3

# Words of 1-2 letters (le, de, au, في) carry no story; they would make unrelated headlines look alike.
_MIN_TOKEN_CHARS = 3
_WORD = re.compile(r"\w+")

HEADLINE_TOPIC_COLUMNS = ["headline_id", "topic", "matched_terms", "via", "taxonomy_version"]
ARTICLE_TOPIC_COLUMNS = ["article_id", "topic", "matched_terms", "via", "found_in", "taxonomy_version"]


def _tagging_languages(languages: pd.Series) -> pd.Series:
    """Return the edition whose terms apply per text: fr/ar/en as detected, else None (all terms)."""
    return languages.where(languages.isin(LANGUAGES), None).astype(object)


def headline_topics(headlines: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """Return one row per (headline_id, topic) for distinct headlines (headline_id, headline, language)."""
    distinct = headlines.drop_duplicates("headline_id").reset_index(drop=True)
    tags = tag_texts(distinct["headline"], taxonomy, _tagging_languages(distinct["language"]))
    return pd.DataFrame(
        {
            "headline_id": distinct["headline_id"].to_numpy()[tags["row"].to_numpy()],
            "topic": tags["topic"].to_numpy(),
            "matched_terms": tags["matched_terms"].to_numpy(),
            "via": tags["via"].to_numpy(),
            "taxonomy_version": taxonomy.version,
        },
        columns=HEADLINE_TOPIC_COLUMNS,
    ).astype({"headline_id": "str", "topic": "str", "via": "str", "taxonomy_version": "str"})


def article_topics(
    articles: pd.DataFrame, taxonomy: Taxonomy, min_body_terms: int = MIN_BODY_TERMS
) -> pd.DataFrame:
    """Return one row per (article_id, topic) for articles (article_id, title, body, language).

    A topic counts when the title has it, or the body has at least `min_body_terms` distinct
    terms of it; a kept topic keeps its ancestors (football keeps sports).
    """
    distinct = articles.drop_duplicates("article_id").reset_index(drop=True)
    languages = _tagging_languages(distinct["language"])
    title = tag_texts(distinct["title"], taxonomy, languages).assign(found_in="title")
    body = tag_texts(distinct["body"], taxonomy, languages).assign(found_in="body")
    strong = body["matched_terms"].map(len) >= min_body_terms
    # An ancestor reached only through its child counts when the child counts.
    parents = {t.slug: t.parent for t in taxonomy.topics}
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
    grouped = both.groupby(["row", "topic"], sort=False).agg(
        matched_terms=("matched_terms", lambda lists: list(dict.fromkeys(t for ts in lists for t in ts))),
        via=("via", "first"),
        found_in=("found_in", "first"),
    )
    grouped = grouped.reset_index()
    return pd.DataFrame(
        {
            "article_id": distinct["article_id"].to_numpy()[grouped["row"].to_numpy(dtype=int)],
            "topic": grouped["topic"].to_numpy(),
            "matched_terms": grouped["matched_terms"].to_numpy(),
            "via": grouped["via"].to_numpy(),
            "found_in": grouped["found_in"].to_numpy(),
            "taxonomy_version": taxonomy.version,
        },
        columns=ARTICLE_TOPIC_COLUMNS,
    ).astype(
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
