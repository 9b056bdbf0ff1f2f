"""The generator's template files: every template fills, every edition has what the generator draws."""

import random

import pytest

from tickerhouse.samples.corpus import _EDITIONS, _OPTIONAL, _TEMPLATES, _TITLE_WORDS, _Slots


@pytest.mark.parametrize("edition", sorted(_EDITIONS))
def test_every_template_fills_from_the_edition_s_pools(edition):
    # A misspelt field ("{ctiy}") would only fail the day a corpus draws that template.
    templates = _TEMPLATES[edition]
    slots = _Slots(random.Random(1), templates.pools, (templates.first_names, templates.last_names), False)
    context = {"year": "2024", "pastyear": "2022", "nextyear": "2026", "month": templates.months[0]}
    texts = [
        *(t for group in templates.headlines.values() for t in group),
        *templates.captions,
        *templates.sentences,
        *(t for family in templates.family_sentences.values() for t in family),
    ]
    for text in texts:
        filled = _OPTIONAL.sub("", slots.fill(text, context))
        assert not set("{}[]") & set(filled), text
    for daily in templates.daily.values():
        assert "{" not in daily.format(date="lundi 23 décembre 2024")


@pytest.mark.parametrize("edition", sorted(_EDITIONS))
def test_every_edition_has_a_full_calendar_and_weighted_outlets(edition):
    templates = _TEMPLATES[edition]
    assert len(templates.months) == 12 and len(templates.weekdays) == 7
    assert set(templates.daily) == {"exchange_rates", "forecast"}
    assert templates.outlets and all(weight > 0 for _, _, weight in templates.outlets)
    # a rare outlet (weight <= 1) nobody has mapped shows up even in the demo
    assert any(weight <= 1 for _, _, weight in templates.outlets)


def test_title_words_are_capitalized_words():
    assert _TITLE_WORDS and all(word[:1].isupper() and " " not in word for word in _TITLE_WORDS)
