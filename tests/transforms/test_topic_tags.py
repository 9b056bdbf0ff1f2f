"""Tags of stored headlines and articles: the title-or-enough-body rule, parents kept, story tokens."""

import pandas as pd
import pytest

from helpers import REPO
from tickerhouse.transforms.topic_tags import article_topics, headline_topics, story_tokens
from tickerhouse.transforms.topics import Taxonomy, load_taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy((REPO / "data" / "topics.toml").read_text(encoding="utf-8"))


def _article(title: str, body: str) -> pd.DataFrame:
    return pd.DataFrame({"article_id": ["a"], "title": [title], "body": [body], "language": ["fr"]})


@pytest.mark.parametrize(
    ("title", "body", "present", "absent"),
    [
        # the title alone is enough
        ("Botola : le Raja bat le Wydad", "Un après-midi ensoleillé.", {"football", "sports"}, set()),
        # one passing mention in the body is not (a match report naming a soldier in the crowd)
        ("Le Raja bat le Wydad", "Un soldat était dans le public.", {"football"}, {"defense"}),
        # three distinct defense terms in the body are
        (
            "Une journée à Agadir",
            "Des soldats et des officiers des Forces Armées Royales ont paradé avec des missiles.",
            {"defense"},
            set(),
        ),
    ],
)
def test_article_topic_rule(taxonomy, title, body, present, absent):
    found = set(article_topics(_article(title, body), taxonomy)["topic"])
    assert present <= found
    assert not absent & found


def test_article_topic_records_where_and_which_terms(taxonomy):
    tags = article_topics(
        _article("Défense : un exercice militaire", "Les soldats, la Marine royale et des missiles."),
        taxonomy,
    ).set_index("topic")
    # found in the title, body terms appended after the title's
    assert tags.loc["defense", "found_in"] == "title"
    assert tags.loc["defense", "via"] == "rubric"
    assert tags.loc["defense", "matched_terms"][0] == "Défense :"
    assert "missile" in tags.loc["defense", "matched_terms"]
    assert set(tags["taxonomy_version"]) == {taxonomy.version}


def test_body_football_keeps_sports(taxonomy):
    body = "Le Wydad a battu le Raja en Botola, le buteur a marqué deux buts."
    tags = article_topics(_article("Une soirée au stade", body), taxonomy, min_body_terms=3)
    assert {"football", "sports"} <= set(tags["topic"])


def test_headline_topics_tag_each_headline_once_in_any_language(taxonomy):
    headlines = pd.DataFrame(
        {
            "headline_id": ["h1", "h1", "h2", "h3"],
            "headline": ["Botola : derby", "Botola : derby", "صفقة أسلحة أمريكية جديدة للمغرب", "Foot. Liga"],
            # a misdetected language falls back to every edition's terms
            "language": ["fr", "fr", "ar", "es"],
        }
    )
    tags = headline_topics(headlines, taxonomy)
    pairs = set(zip(tags["headline_id"], tags["topic"], strict=True))
    assert {("h1", "football"), ("h2", "defense"), ("h3", "football")} <= pairs
    assert len(tags) == len(pairs)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        # short words dropped, accents and case folded
        ("Le Maroc et l'Égypte", ["egypte", "maroc"]),
        # Arabic: taa marbuta and hamza folded
        ("الحكومة تُصادق", ["الحكومه", "تصادق"]),
    ],
)
def test_story_tokens(text, tokens):
    assert story_tokens(text) == tokens
