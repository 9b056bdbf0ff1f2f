"""Quality floors: tagging accuracy on the labelled dev sets in ../shared never drops (bench/topic_accuracy).

Each floor sits just under the figure bench/topic_accuracy.py printed (README, "Accuracy"); raise it
on purpose when the tags improve, never lower it to let a change pass. The shipped model also keeps the
taxonomy's traps in both languages on headlines that are in neither the examples nor a dev set.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import SHARED
from tickerhouse import embeddings
from tickerhouse.resources import read_taxonomy
from tickerhouse.topic_heads import load_topic_model
from tickerhouse.transforms.language import detect_languages
from tickerhouse.transforms.topic_quality import read_masakhanews, read_ticker_labelled, score_systems
from tickerhouse.transforms.topic_tags import headline_topics

TICKER_DEV = SHARED / "fixtures" / "ticker_headlines_labelled" / "dev.tsv"
MASAKHANE_DEV = SHARED / "fixtures" / "masakhanews_fra" / "dev.tsv"

# (dataset, system, language, topic) -> F1 floor, set 0.02 under taxonomy 2026.12.02.2's figures; the comment
# says what 2026.12.02.3 with the shipped examples measures (never lower a floor).
FLOORS = {
    ("ticker", "combined", "ar", "defense"): 0.85,  # measured 0.87
    ("ticker", "combined", "fr", "defense"): 0.87,  # 0.89
    ("ticker", "combined", "ar", "football"): 0.89,  # 0.91
    ("ticker", "combined", "fr", "football"): 0.91,  # 0.93
    ("ticker", "combined", "ar", "sports"): 0.95,  # 0.97
    ("ticker", "combined", "fr", "sports"): 0.96,  # 0.97
    ("ticker", "combined", "ar", "economy"): 0.82,  # 0.84
    ("ticker", "combined", "fr", "economy"): 0.78,  # 0.78
    ("ticker", "combined", "ar", "politics"): 0.71,  # 0.73 (raised from 0.68 with model 386a79f8)
    ("ticker", "combined", "fr", "politics"): 0.79,  # 0.81
    ("ticker", "combined", "ar", "macro"): 0.84,  # 0.86
    ("ticker", "combined", "fr", "macro"): 0.86,  # 0.88
    ("masakhanews", "combined", "fr", "macro"): 0.80,  # 0.81
    ("masakhanews", "lexicon", "fr", "macro"): 0.68,  # 0.70: the lexicon alone holds its own floor too
}


@pytest.fixture(scope="module")
def scores(shared_dir) -> dict[tuple[str, str, str, str], float]:
    """F1 per (dataset, system, language, topic) on both dev sets."""
    taxonomy = read_taxonomy()
    model = load_topic_model()
    out = {}
    for name, (texts, gold) in (
        ("ticker", read_ticker_labelled(TICKER_DEV.read_text(encoding="utf-8"))),
        ("masakhanews", read_masakhanews(MASAKHANE_DEV.read_text(encoding="utf-8"))),
    ):
        vectors = embeddings.embed(texts["headline"].tolist())
        detected = detect_languages(texts["headline"])
        for system, table in score_systems(texts, detected, gold, taxonomy, model.heads, vectors).items():
            for row in table.itertuples(index=False):
                out[(name, system, row.language, row.topic)] = row.f1
    return out


@pytest.mark.parametrize("key", sorted(FLOORS), ids=lambda k: "-".join(k))
def test_f1_stays_at_or_above_its_floor(scores, key):
    assert scores[key] >= FLOORS[key], f"{key}: F1 {scores[key]:.3f} < floor {FLOORS[key]}"


def test_the_combination_beats_the_lexicon_alone_in_both_languages(scores):
    for language in ("fr", "ar"):
        assert (
            scores[("ticker", "combined", language, "macro")]
            > scores[("ticker", "lexicon", language, "macro")]
        )


@pytest.mark.parametrize(
    ("headline", "language", "present", "absent"),
    [
        # army-named clubs and a team's defence are football, never the army
        ("L'AS FAR arrache le nul à Berkane", "fr", "football", "defense"),
        ("Le Raja solide grâce à sa défense", "fr", "football", "defense"),
        ("الجيش الملكي يتعادل مع الوداد في الدوري", "ar", "football", "defense"),
        ("الدفاع الحسني الجديدي يتعاقد مع مدرب جديد", "ar", "football", "defense"),
        # anti-terror policing, police and lawyers are security and justice
        ("Le BCIJ interpelle trois suspects liés à une cellule terroriste", "fr", "security", "defense"),
        ("المكتب المركزي للأبحاث القضائية يفكك خلية إرهابية بطنجة", "ar", "security", "defense"),
        ("الشرطة توقف مروج مخدرات بالدار البيضاء", "ar", "security", "defense"),
        ("Les avocats de la défense dénoncent un procès politique", "fr", "justice", "defense"),
        ("هيئة الدفاع تطالب بالإفراج عن موكلها", "ar", "justice", "defense"),
        # armed conflict and a club known only by its name, in both languages
        ("Des drones frappent un dépôt de munitions près de Khartoum", "fr", "defense", "football"),
        ("قصف مدفعي يستهدف أحياء شرق رفح", "ar", "defense", "football"),
        ("الهلال يقلب الطاولة على الاتحاد ويتصدر", "ar", "football", "defense"),
    ],
)
def test_the_shipped_model_keeps_the_traps_in_both_languages(headline, language, present, absent):
    frame = pd.DataFrame({"headline_id": ["h"], "headline": [headline], "language": [language]})
    tags = headline_topics(frame, read_taxonomy(), load_topic_model().heads, embeddings.embed([headline]))
    assert present in set(tags["topic"]) and absent not in set(tags["topic"]), tags[["topic", "via", "score"]]
