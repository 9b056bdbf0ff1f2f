"""Language of headlines and articles: Arabic by script, Latin-script text by lingua's offline model."""

from __future__ import annotations

import re

import pandas as pd
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Latin-script languages the editions carry; lingua picks among these only (fewer = faster, fewer mistakes).
_LATIN_LANGUAGES = {Language.FRENCH: "fr", Language.ENGLISH: "en", Language.SPANISH: "es"}
UNDETERMINED = "und"
# The Latin-script editions publish French; short headlines full of names (clubs, brands) tip lingua
# towards English or Spanish, so another language must win clearly. Calibrated on the seed's ticker:
# its English headline scores 0.93, its French football briefs at most 0.56 for their top language.
OTHER_LANGUAGE_MIN_CONFIDENCE = 0.75
# Detection (the script count and lingua) sees at most this many characters of a text, so its cost per
# text is bounded: a 2 MB single-token ticker entry ran 30 minutes in lingua (issue 12); measured here,
# 2,000 characters of one token take ~12 ms to detect and ~5 ms to score, and the script count of 2 MB
# took 0.4 s. 2,000 is what articles were already cut to (transforms/tables.py) and far beyond any
# headline (< 300), so no real text reads differently.
MAX_DETECTION_CHARS = 2000


_built: list[LanguageDetector] = []  # the one detector, built on first use


def load_models(on_this_thread: bool = False) -> LanguageDetector:
    """Return the detector, its models loaded (once per process).

    Weights ship inside the wheel: nothing is downloaded at run time. Left to itself lingua loads a model
    on first use, and its parallel detection, used first, loads them from each of its threads at once
    (0.85-0.95 s for one dump's 47 headlines on 2 cores). Preloaded, the builder loads every n-gram model
    of the three languages on lingua's thread pool: 0.40-0.45 s, against 0.75-0.86 s for one detection
    on this thread (fresh interpreters). The models, and so the results, are the same. A process that
    must stay single-threaded (the warm runner forks) loads `on_this_thread`: that pool's threads would
    outlive the load.
    """
    if not _built:
        builder = LanguageDetectorBuilder.from_languages(*_LATIN_LANGUAGES)
        if on_this_thread:  # a text under 120 characters with no letter of one language only: every model
            detector = builder.build()
            detector.compute_language_confidence_values("Le Maroc et l'Espagne, the king")
        else:
            detector = builder.with_preloaded_language_models().build()
        _built.append(detector)
    return _built[0]


def _script_language(text: str) -> str | None:
    """Return "ar" if Arabic letters dominate, UNDETERMINED with no letters, None if the model must decide."""
    n_arabic = len(_ARABIC.findall(text))
    n_latin = len(_LATIN.findall(text))
    if n_arabic == 0 and n_latin == 0:
        return UNDETERMINED
    if n_arabic >= n_latin:
        return "ar"
    return None


def detect_languages(texts: pd.Series) -> pd.Series:
    """Return the ISO 639-1 code per text (same index); each distinct text is looked at once."""
    distinct = texts.dropna().unique()
    by_script = {t: _script_language(t[:MAX_DETECTION_CHARS]) for t in distinct}
    latin = [t for t, lang in by_script.items() if lang is None]
    seen = [t[:MAX_DETECTION_CHARS] for t in latin]  # what lingua reads: a bounded prefix
    found = load_models().detect_languages_in_parallel_of(seen) if latin else []
    for text, lang in zip(latin, found, strict=True):
        by_script[text] = _LATIN_LANGUAGES.get(lang, UNDETERMINED) if lang else UNDETERMINED
    # Confidence values cost far more than detection: only the few non-French picks are re-checked.
    doubtful = [t for t in latin if by_script[t] not in ("fr", UNDETERMINED)]
    if doubtful:
        values = load_models().compute_language_confidence_values_in_parallel(
            [t[:MAX_DETECTION_CHARS] for t in doubtful]
        )
        for text, confidences in zip(doubtful, values, strict=True):
            if confidences[0].value < OTHER_LANGUAGE_MIN_CONFIDENCE:
                by_script[text] = "fr"
    return texts.map(by_script).astype("str")
