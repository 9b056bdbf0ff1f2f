"""The topic model's rules without the encoder: heads from examples, versioning, and the combined tags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tickerhouse.resources import TOPIC_EXAMPLES_TSV, read_taxonomy
from tickerhouse.transforms.topic_model import (
    Heads,
    combine_tags,
    example_labels,
    read_examples,
    score,
    train_heads,
)
from tickerhouse.transforms.topic_tags import headline_topics

PARENTS = {"defense": None, "sports": None, "football": "sports", "economy": None}
DIM = 8


def _heads(topics: tuple[str, ...], thresholds: tuple[float, ...]) -> Heads:
    """Heads whose score for topic i is sigmoid(10 * (x_i - 0.5)): a vector says its own scores."""
    coef = np.zeros((len(topics), DIM), np.float32)
    for i in range(len(topics)):
        coef[i, i] = 10.0
    return Heads(topics, coef, np.full(len(topics), -5.0, np.float32), thresholds, "test")


def _vectors(*rows: dict[int, float]) -> np.ndarray:
    out = np.zeros((len(rows), DIM), np.float32)
    for r, values in enumerate(rows):
        for i, v in values.items():
            out[r, i] = v
    return out


def _lexicon(*tags: tuple[int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": [r for r, _, _ in tags],
            "topic": [t for _, t, _ in tags],
            "matched_terms": [["term"] for _ in tags],
            "via": [v for _, _, v in tags],
        }
    )


HEADS = _heads(("defense", "football", "economy"), (0.6, 0.65, 0.5))


def test_a_lexicon_hit_is_kept_whatever_the_model_says_and_carries_the_models_score():
    tags = combine_tags(_lexicon((0, "defense", "term")), score(HEADS, _vectors({0: 0.0})), HEADS, PARENTS)
    assert tags[["row", "topic", "via"]].values.tolist() == [[0, "defense", "term"]]
    assert tags["score"].iloc[0] == pytest.approx(1 / (1 + np.exp(5)))


def test_the_model_adds_a_topic_over_its_threshold_and_its_parent():
    scores = score(HEADS, _vectors({1: 0.6}))  # football at sigmoid(1) = 0.73 >= 0.65
    tags = combine_tags(_lexicon(), scores, HEADS, PARENTS)
    assert tags[["topic", "via"]].values.tolist() == [["football", "model"], ["sports", "parent:football"]]


def test_below_its_threshold_the_model_adds_nothing():
    tags = combine_tags(_lexicon(), score(HEADS, _vectors({1: 0.5})), HEADS, PARENTS)  # 0.5 < 0.65
    assert tags.empty


def test_an_exclude_phrase_vetoes_the_model_for_its_topic_only():
    scores = score(HEADS, _vectors({0: 0.9, 2: 0.9}))
    vetoes = pd.DataFrame({"row": [0], "topic": ["defense"]})
    tags = combine_tags(_lexicon(), scores, HEADS, PARENTS, vetoes)
    assert tags["topic"].tolist() == ["economy"]


def test_without_vectors_the_tags_are_the_lexicons_alone():
    lexicon = _lexicon((0, "football", "rubric"), (0, "sports", "parent:football"))
    tags = combine_tags(lexicon, None, None, PARENTS)
    assert tags[["topic", "via"]].values.tolist() == [["football", "rubric"], ["sports", "parent:football"]]
    assert tags["score"].isna().all()


@pytest.mark.parametrize(
    ("headline", "language", "absent"),
    [
        # the Rabat club, not the army: "AS FAR" is an exclude phrase of defense
        ("L'AS FAR s'impose face au Raja en Botola", "fr", "defense"),
        # a lawyer's "défense des droits", not the armed forces
        ("Les avocats mobilisés pour la défense des droits des détenus", "fr", "defense"),
        # الدفاع الحسني الجديدي is a football club of El Jadida
        ("الدفاع الحسني الجديدي يفوز على الرجاء", "ar", "defense"),
    ],
)
def test_traps_stay_vetoed_even_when_the_model_is_sure(headline, language, absent):
    taxonomy = read_taxonomy()
    frame = pd.DataFrame({"headline_id": ["h"], "headline": [headline], "language": [language]})
    topics = tuple(t.slug for t in taxonomy.topics if t.slug != "international")
    sure = Heads(topics, np.zeros((len(topics), DIM), np.float32), np.full(len(topics), 10.0, np.float32),
                 tuple(0.5 for _ in topics), "sure")  # fmt: skip
    tags = headline_topics(frame, taxonomy, sure, np.zeros((1, DIM), np.float32))
    assert absent not in set(tags["topic"])
    assert "sports" in set(tags["topic"])  # the model still speaks for every topic not vetoed


def test_a_text_not_embedded_yet_keeps_lexicon_tags_with_no_model_version():
    taxonomy = read_taxonomy()
    frame = pd.DataFrame(
        {"headline_id": ["a", "b"], "headline": ["Botola : le Raja bat le Wydad"] * 2, "language": ["fr"] * 2}
    )
    vectors = np.vstack([np.zeros(DIM, np.float32), np.full(DIM, np.nan, np.float32)])
    tags = headline_topics(frame, taxonomy, _heads(("football",), (0.65,)), vectors)
    versions = tags.groupby("headline_id")["model_version"].agg(lambda v: set(v.fillna("none")))
    assert versions.to_dict() == {"a": {"test"}, "b": {"none"}}


def _examples() -> pd.DataFrame:
    return read_examples(TOPIC_EXAMPLES_TSV.read_text(encoding="utf-8"))


def test_shipped_examples_name_only_taxonomy_topics_and_cover_both_languages():
    parents = {t.slug: t.parent for t in read_taxonomy().topics}
    examples = _examples()
    labels = example_labels(examples, parents)
    for topic in ("defense", "football", "sports", "economy", "politics"):
        positives = examples[examples["topic"] == topic]
        assert positives.groupby("language").size().reindex(["fr", "ar"]).min() >= 30, topic
    assert labels.trap["defense"].sum() >= 20  # AS FAR, défense des droits, police: the traps are taught too


def test_same_examples_and_vectors_give_the_same_heads_and_a_changed_example_a_new_version():
    parents = {t.slug: t.parent for t in read_taxonomy().topics}
    examples = _examples()
    n = len(example_labels(examples, parents).headlines)
    vectors = np.random.default_rng(0).normal(size=(n, DIM)).astype(np.float32)
    first = train_heads(examples, vectors, parents, "model-x")
    again = train_heads(examples, vectors, parents, "model-x")
    assert first.version == again.version
    np.testing.assert_array_equal(first.coef, again.coef)
    edited = examples.copy()
    edited.loc[0, "headline"] += " (révisé)"
    vectors_edited = np.random.default_rng(0).normal(size=(n, DIM)).astype(np.float32)
    assert train_heads(edited, vectors_edited, parents, "model-x").version != first.version
    assert train_heads(examples, vectors, parents, "model-y").version != first.version


def test_examples_with_an_unknown_topic_or_a_headline_both_positive_and_trap_are_refused():
    parents = {"defense": None}
    bad = pd.DataFrame({"topic": ["weather"], "language": ["fr"], "headline": ["x"], "note": [""]})
    with pytest.raises(ValueError, match="unknown topics"):
        example_labels(bad, parents)
    clash = pd.DataFrame(
        {"topic": ["defense", "-defense"], "language": ["fr", "fr"], "headline": ["x", "x"], "note": ["", ""]}
    )
    with pytest.raises(ValueError, match="both positive and trap"):
        example_labels(clash, parents)
