"""enrich_topics: a vector per distinct text, the model's tags added; retag re-applies them, not the model."""

from __future__ import annotations

import shutil

import pytest

from helpers import SAMPLE_DIR, query
from tickerhouse import embeddings, topic_heads
from tickerhouse.flows.enrich_topics import enrich_topics
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.flows.rebuild_warehouse import rebuild_warehouse
from tickerhouse.flows.retag_topics import retag_topics
from tickerhouse.resources import TOPIC_EXAMPLES_TSV


@pytest.fixture()
def enriched(prefect_harness, tmp_path):
    """One day of the French sample ingested, then enriched: (warehouse, enrich summary)."""
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_DIR / "fr" / "2024-12-02", landing)
    target = tmp_path / "w.duckdb"
    ingest_dumps(paths=[str(landing)], warehouse=str(target))
    return target, enrich_topics(warehouse=str(target))


def test_every_distinct_text_gets_one_vector_and_the_model_adds_tags(enriched):
    target, summary = enriched
    headlines = query(target, "select count(*) from headlines")[0][0]
    assert summary["headlines_embedded"] == headlines > 0
    assert query(target, "select count(*), count(distinct headline_id) from headline_embeddings") == [
        (headlines, headlines)
    ]
    vias = dict(query(target, "select via, count(*) from headline_topics group by all"))
    assert vias.get("model", 0) > 0 and vias.get("term", 0) > 0
    # every tag of an embedded headline says which heads scored it
    assert query(target, "select count(*) from headline_topics where model_version is null") == [(0,)]
    assert query(target, "select count(*) from headline_topics where via = 'model' and score is null") == [
        (0,)
    ]


def test_a_second_run_embeds_nothing_and_duplicates_nothing(enriched):
    target, _ = enriched
    before = query(target, "select count(*) from headline_topics")
    again = enrich_topics(warehouse=str(target))
    assert again["headlines_embedded"] == again["articles_embedded"] == 0
    assert query(target, "select count(*) from headline_topics") == before


def test_retag_after_an_example_change_rederives_tags_without_embedding_stored_text(
    enriched, tmp_path, monkeypatch
):
    target, summary = enriched
    embedded: list[str] = []
    real_embed = embeddings.embed
    monkeypatch.setattr(embeddings, "embed", lambda texts: embedded.extend(texts) or real_embed(texts))
    # a reviewed change to the examples: one more economy headline
    examples = tmp_path / "topic_examples.tsv"
    text = TOPIC_EXAMPLES_TSV.read_text(encoding="utf-8")
    examples.write_text(
        text + "economy\tfr\tLe prix de la sardine flambe au marché de gros\t\n", encoding="utf-8"
    )
    monkeypatch.setattr(topic_heads, "TOPIC_EXAMPLES_TSV", examples)
    result = retag_topics(warehouse=str(target))
    assert result["model_version"] != summary["model_version"]
    # the new example alone was embedded (the heads changed; the others' vectors were cached), the
    # warehouse's texts were not
    assert embedded == ["Le prix de la sardine flambe au marché de gros"]
    versions = query(target, "select distinct model_version from headline_topics")
    assert versions == [(result["model_version"],)]


def test_rebuild_keeps_the_vectors_and_reapplies_the_model(enriched):
    target, _ = enriched
    tags = "select headline_id, topic, via, model_version from headline_topics order by all"
    before = query(target, tags)
    vectors = query(target, "select count(*) from headline_embeddings")
    rebuild_warehouse(warehouse=str(target))
    assert query(target, "select count(*) from headline_embeddings") == vectors
    assert query(target, tags) == before
