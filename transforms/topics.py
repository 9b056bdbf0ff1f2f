"""Multi-label topic tagging of headlines and articles against the data/topics.toml taxonomy.

The whole taxonomy compiles into one trie-shaped regex scanned once per folded text; each
leaf ends in an empty capturing group whose index names the term(s) it completes.
"""

# Arabic letters here are intended, not look-alikes of Latin ones.

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tickerhouse.transforms.textfold import fold_text

__all__ = [
    "LANGUAGES",
    "Taxonomy",
    "Topic",
    "TopicMatch",
    "fold_text",
    "load_taxonomy",
    "tag_text",
    "tag_texts",
    "vetoed_topics",
]

LANGUAGES = ("fr", "ar", "en")

_VERSION = re.compile(r"\d{4}\.\d{2}\.\d{2}\.\d+")
_SLUG = re.compile(r"[a-z][a-z0-9_]*")
_TOPIC_KEYS = frozenset(
    {"label", "parent", "rubrics", "exclude", "false_friends", "vetoed_by", "context", *LANGUAGES}
)
_CONTEXT_KEYS = frozenset({"requires_any", "unless_any", *LANGUAGES})
_ARABIC = re.compile("[\u0600-\u06ff]")
_WORD_SPLIT = re.compile(r"[\s\-\u2010-\u2015]+")

# Clitics that glue onto an Arabic word: conjunction (و ف), preposition (ب ك ل), article (ال),
# and ل + ال contracted to لل. All optional, so the bare word matches too. لال is ل before a word that
# starts with أل folded to ال (لألعاب القوى), which the term's stem lost as if it were the article.
_AR_PREFIX = "(?:[وف]?(?:[بكل]?ال|لل|[بكل])?)"
# Plural, nisba and pronoun endings (ية is folded to يه).
_AR_SUFFIX = "(?:ات|ون|ين|يه|يات|يين|يون|ي|ه|ها|هم|هما|نا|كم|ا)?"
# A word ending in taa marbuta (folded to ه) keeps it, pluralises to ات, or binds a pronoun with ت.
_AR_TAA_SUFFIX = "(?:ه|ات|ت(?:ين|ان|ه|ها|هم)?)"
_SEPARATOR = "[ \n]"
_END = r"(?!\w)"
# Rubrics may carry an edition year before their colon ("CAN 2019 :").
_RUBRIC_END = r"(?: \d{2,4})? ?[:.]"
_FINAL_ATOMS = (_END, r"\w*", _RUBRIC_END)


@dataclass(frozen=True)
class TopicMatch:
    """One topic found in one text: the taxonomy terms that fired and how the topic was reached."""

    topic: str
    terms: tuple[str, ...]
    via: str


@dataclass(frozen=True)
class Topic:
    """One taxonomy entry as written in the TOML file."""

    slug: str
    label: str
    parent: str | None
    terms: Mapping[str, tuple[str, ...]]
    rubrics: tuple[str, ...]
    exclude: tuple[str, ...]
    false_friends: tuple[str, ...] = ()
    vetoed_by: tuple[str, ...] = ()


# How a phrase of a topic's `exclude` / `false_friends` / `vetoed_by` lists acts: an exclude or a false
# friend hides the topic's terms inside its span; a veto hides them anywhere in the text; an exclude or a
# veto also vetoes the model for the topic.
_HIDES_TERMS_INSIDE = frozenset({"exclude", "false_friend"})
_VETOES_MODEL = frozenset({"exclude", "veto"})


@dataclass(frozen=True)
class _Entry:
    topic: int
    kind: str  # "term", "rubric", or a phrase: "exclude", "false_friend", "veto"
    term: str
    language: str | None
    rule: int | None = None
    key: str = ""  # folded term: "défense" (fr) and "defense" (en) are reported once


@dataclass(frozen=True)
class _Rule:
    requires: re.Pattern[str] | None
    unless: re.Pattern[str] | None

    def holds(self, folded: str) -> bool:
        if self.requires is not None and self.requires.search(folded) is None:
            return False
        return self.unless is None or self.unless.search(folded) is None


@dataclass(frozen=True, eq=False)
class Taxonomy:
    """A validated taxonomy with its matchers compiled once."""

    version: str
    topics: tuple[Topic, ...]
    _terms: re.Pattern[str] = field(repr=False)
    _term_entries: tuple[tuple[_Entry, ...], ...] = field(repr=False)
    _rubrics: re.Pattern[str] | None = field(repr=False)
    _rubric_entries: tuple[tuple[_Entry, ...], ...] = field(repr=False)
    # Exclude phrases, false friends and vetoes, scanned apart from the terms: a false friend is often
    # an inflection of the term it hides (كافة of الكاف), which one trie would see only one of.
    _phrases: re.Pattern[str] | None = field(repr=False)
    _phrase_entries: tuple[tuple[_Entry, ...], ...] = field(repr=False)
    _rules: tuple[_Rule, ...] = field(repr=False)
    _ancestors: tuple[tuple[int, ...], ...] = field(repr=False)
    _rank: tuple[int, ...] = field(repr=False)
    # The tags of texts already tagged with this taxonomy: the same texts come back batch after batch (a
    # headline stays on the ticker for hours, an article page is dumped again and again). Bounded.
    _tagged: dict[tuple[str, str | None], list[TopicMatch]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def slugs(self) -> tuple[str, ...]:
        """Return the topic slugs in taxonomy order."""
        return tuple(topic.slug for topic in self.topics)


# ---------------------------------------------------------------- term -> regex atoms


def _latin_word_atoms(word: str, acronym: bool) -> list[str]:
    chars = [re.escape(c) for c in word]
    if acronym:
        # Editions and numbered summits glue a number on: COP27, G20, CAN 2025.
        return [*chars, r"(?: ?\d+)?"]
    if len(word) <= 2 or not word[-1].isalpha():
        return chars
    # An editor writes either number; both spellings match the same inflections. French and
    # English share one rule set so that a word listed in both merges into one trie path.
    stem = word[:-1] if word.endswith("s") and len(word) > 3 else word
    for ending, variants in (
        ("al", "(?:al|aux|ale|ales|als)"),
        ("eau", "(?:eau|eaux)"),
        ("if", "(?:if|ifs|ive|ives)"),
        ("eux", "(?:eux|euse|euses)"),
        ("ier", "(?:ier|iers|iere|ieres)"),
        ("ien", "(?:ien|iens|ienne|iennes)"),
        ("y", "(?:y|ys|ies)"),
    ):
        if stem.endswith(ending):
            return [re.escape(c) for c in stem[: -len(ending)]] + [variants]
    # Regular plural and feminine: arme, armee, armees; militaire(s); chinois, chinoise(s).
    return [re.escape(c) for c in stem] + ["(?:e?s?|ses?)"]


def _arabic_word_atoms(word: str) -> list[str]:
    for article in ("ال", "لل"):
        # Keep short words whole: stripping الله would leave the pronoun له.
        if word.startswith(article) and len(word) > len(article) + 2:
            word = word[len(article) :]
            break
    if word.endswith("ه") and len(word) > 2:
        return [_AR_PREFIX, *word[:-1], _AR_TAA_SUFFIX]
    return [_AR_PREFIX, *word, _AR_SUFFIX]


def _term_atoms(term: str) -> list[str]:
    """Return the regex atoms of one term: literal characters plus inflection groups."""
    prefix = term.endswith("*")
    body = term[:-1] if prefix else term
    atoms: list[str] = []
    for token in _WORD_SPLIT.split(body.strip()):
        if not token:
            continue
        # Acronyms keep their exact form: FAR must not grow into "fare".
        acronym = sum(c.isalpha() for c in token) >= 2 and token.isupper()
        for word in fold_text(token).split(" "):
            if atoms:
                atoms.append(_SEPARATOR)
            if prefix:
                atoms.extend(re.escape(c) for c in word)
            elif _ARABIC.search(word):
                atoms.extend(_arabic_word_atoms(word))
            else:
                atoms.extend(_latin_word_atoms(word, acronym))
    if not atoms:
        raise ValueError(f"term {term!r} is empty once folded")
    atoms.append(r"\w*" if prefix else _END)
    return atoms


# ---------------------------------------------------------------- trie -> regex


class _Node:
    __slots__ = ("children", "entries")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.entries: list[_Entry] = []


def _insert(root: _Node, atoms: list[str], entry: _Entry) -> None:
    node = root
    for atom in atoms:
        node = node.children.setdefault(atom, _Node())
    node.entries.append(entry)


def _atom_rank(atom: str) -> int:
    """Order trie branches: literal letters, then inflection groups, then term ends."""
    if atom in _FINAL_ATOMS:
        return 2
    return 0 if atom == _SEPARATOR or len(atom) == 1 or atom.startswith("\\") else 1


def _emit(node: _Node, leaves: list[tuple[_Entry, ...]], inherited: tuple[_Entry, ...]) -> str:
    """Return the regex of a trie node, numbering its leaves into `leaves` (group index - 1)."""
    # A longer term shadows its one-word head at the same start ("défense centrale" over
    # "défense"); the head's entries ride along so its topic is still seen and can be excluded.
    head = node.children.get(_END)
    head_entries = tuple(head.entries) if head is not None else ()
    alternatives = []
    for atom, child in sorted(node.children.items(), key=lambda kv: _atom_rank(kv[0])):
        passed_on = inherited + head_entries if atom == _SEPARATOR else inherited
        alternatives.append(atom + _emit(child, leaves, passed_on))
    if node.entries:
        leaves.append(inherited + tuple(node.entries))
        alternatives.append("()")
    if len(alternatives) == 1:
        return alternatives[0]
    return "(?:" + "|".join(alternatives) + ")"


def _compile_trie(
    atom_lists: Iterable[tuple[list[str], _Entry]],
    head: str,
    compile_pattern: Callable[[str], re.Pattern[str]],
) -> tuple[re.Pattern[str] | None, tuple[tuple[_Entry, ...], ...]]:
    root = _Node()
    for atoms, entry in atom_lists:
        _insert(root, atoms, entry)
    if not root.children:
        return None, ()
    leaves: list[tuple[_Entry, ...]] = []
    body = _emit(root, leaves, ())
    return compile_pattern(head.format(body=body)), tuple(leaves)


def _compile_plain(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Return one regex matching any of `terms` with the tagger's folding and inflection.

    A trie like the taxonomy's (its leaves' entries unused): searched ~5x faster than one alternative
    per term, which the engine tried one after the other at every word.
    """
    atom_lists = ((_term_atoms(term), _Entry(-1, "context", term, None)) for term in terms)
    return _compile_trie(atom_lists, r"(?<!\w)(?:{body})", re.compile)[0]


# ---------------------------------------------------------------- loading and validation


def _string_list(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(s, str) and s.strip() for s in raw):
        raise ValueError(f"{where} must be a list of non-empty strings")
    return tuple(raw)


def _ancestor_chains(parents: dict[str, str | None]) -> dict[str, tuple[str, ...]]:
    chains: dict[str, tuple[str, ...]] = {}
    for slug in parents:
        chain: list[str] = []
        current = parents[slug]
        while current is not None:
            if current == slug or current in chain:
                raise ValueError(f"topic {slug!r}: parent chain loops back through {current!r}")
            chain.append(current)
            current = parents[current]
        chains[slug] = tuple(chain)
    return chains


def _output_rank(topics: list[Topic], chains: dict[str, tuple[str, ...]]) -> tuple[int, ...]:
    """Return each topic's output rank: taxonomy order, a parent right after its last child."""
    position = {t.slug: i for i, t in enumerate(topics)}
    anchor = list(range(len(topics)))
    for topic in topics:
        for ancestor in chains[topic.slug]:
            anchor[position[ancestor]] = max(anchor[position[ancestor]], position[topic.slug])
    depth = [len(chains[t.slug]) for t in topics]
    order = sorted(range(len(topics)), key=lambda i: (anchor[i], -depth[i], i))
    rank = [0] * len(topics)
    for r, i in enumerate(order):
        rank[i] = r
    return tuple(rank)


def load_taxonomy(toml_text: str, compile_pattern: Callable[[str], re.Pattern[str]] = re.compile) -> Taxonomy:
    """Return the taxonomy parsed from TOML text, validated and compiled (one per file version).

    compile_pattern compiles its two trie patterns (the core passes one that keeps the compiled programs
    on disk: tickerhouse/regex_cache.py).
    """
    raw = tomllib.loads(toml_text)
    version = raw.pop("version", None)
    if not isinstance(version, str) or _VERSION.fullmatch(version) is None:
        raise ValueError(f"version must be a 'YYYY.MM.DD.N' string, got {version!r}")
    if not raw:
        raise ValueError("taxonomy declares no topics")

    topics: list[Topic] = []
    contexts: list[list[dict[str, Any]]] = []
    for slug, table in raw.items():
        if not isinstance(table, dict) or _SLUG.fullmatch(slug) is None:
            raise ValueError(f"topic {slug!r}: expected a [table] with a lowercase slug name")
        unknown = set(table) - _TOPIC_KEYS
        if unknown:
            raise ValueError(f"topic {slug!r}: unknown keys {sorted(unknown)}")
        label = table.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"topic {slug!r}: label must be a non-empty string")
        parent = table.get("parent")
        if parent is not None and parent not in raw:
            raise ValueError(f"topic {slug!r}: unknown parent {parent!r}")
        terms = {}
        for language in LANGUAGES:
            terms[language] = _string_list(table.get(language), f"topic {slug!r}: {language}")
            if not terms[language]:
                raise ValueError(f"topic {slug!r}: {language} term list is empty")
        context = table.get("context", [])
        if not isinstance(context, list) or not all(isinstance(c, dict) for c in context):
            raise ValueError(f"topic {slug!r}: context must be an array of [[{slug}.context]]")
        for rule in context:
            where = f"topic {slug!r}: context rule"
            if set(rule) - _CONTEXT_KEYS:
                raise ValueError(f"{where} has unknown keys {sorted(set(rule) - _CONTEXT_KEYS)}")
            if not any(rule.get(language) for language in LANGUAGES):
                raise ValueError(f"{where} names no fr/ar/en terms")
            if not (rule.get("requires_any") or rule.get("unless_any")):
                raise ValueError(f"{where} needs requires_any or unless_any")
            for key in rule:
                _string_list(rule[key], f"{where} {key}")
        topics.append(
            Topic(
                slug=slug,
                label=label,
                parent=parent,
                terms=terms,
                rubrics=_string_list(table.get("rubrics", []), f"topic {slug!r}: rubrics"),
                exclude=_string_list(table.get("exclude", []), f"topic {slug!r}: exclude"),
                false_friends=_string_list(table.get("false_friends", []), f"topic {slug!r}: false_friends"),
                vetoed_by=_string_list(table.get("vetoed_by", []), f"topic {slug!r}: vetoed_by"),
            )
        )
        contexts.append(context)

    chains = _ancestor_chains({t.slug: t.parent for t in topics})
    position = {t.slug: i for i, t in enumerate(topics)}

    term_atoms: list[tuple[list[str], _Entry]] = []
    phrase_atoms: list[tuple[list[str], _Entry]] = []
    rubric_atoms: list[tuple[list[str], _Entry]] = []
    rules: list[_Rule] = []
    try:
        for index, topic in enumerate(topics):
            for language, words in topic.terms.items():
                for term in words:
                    entry = _Entry(index, "term", term, language, key=fold_text(term))
                    term_atoms.append((_term_atoms(term), entry))
            for kind, phrases in (
                ("exclude", topic.exclude),
                ("false_friend", topic.false_friends),
                ("veto", topic.vetoed_by),
            ):
                for phrase in phrases:
                    phrase_atoms.append((_term_atoms(phrase), _Entry(index, kind, phrase, None)))
            for rubric in topic.rubrics:
                name = fold_text(rubric).rstrip(" :.")
                if not name:
                    raise ValueError(f"rubric {rubric!r} is empty once folded")
                atoms = [re.escape(c) for c in name] + [_RUBRIC_END]
                rubric_atoms.append((atoms, _Entry(index, "rubric", rubric, None)))
            for rule in contexts[index]:
                rule_id = len(rules)
                rules.append(
                    _Rule(
                        _compile_plain(rule.get("requires_any", [])),
                        _compile_plain(rule.get("unless_any", [])),
                    )
                )
                for language in LANGUAGES:
                    for term in rule.get(language, []):
                        entry = _Entry(index, "term", term, language, rule_id, fold_text(term))
                        term_atoms.append((_term_atoms(term), entry))
    except ValueError as error:
        raise ValueError(f"topic {topics[index].slug!r}: {error}") from None

    # A lookahead lets matches overlap: "défense centrale" and the "défense" inside it are both seen.
    terms_re, term_entries = _compile_trie(term_atoms, r"(?<!\w)(?={body})", compile_pattern)
    phrases_re, phrase_entries = _compile_trie(phrase_atoms, r"(?<!\w)(?={body})", compile_pattern)
    rubrics_re, rubric_entries = _compile_trie(rubric_atoms, r"(?m)^(?:{body})", compile_pattern)
    assert terms_re is not None  # every topic has terms, validated above
    return Taxonomy(
        version=version,
        topics=tuple(topics),
        _terms=terms_re,
        _term_entries=term_entries,
        _rubrics=rubrics_re,
        _rubric_entries=rubric_entries,
        _phrases=phrases_re,
        _phrase_entries=phrase_entries,
        _rules=tuple(rules),
        _ancestors=tuple(tuple(position[p] for p in chains[t.slug]) for t in topics),
        _rank=_output_rank(topics, chains),
    )


# ---------------------------------------------------------------- tagging


def _check_language(language: str | None) -> None:
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES} or None, got {language!r}")


def _phrase_hits(folded: str, taxonomy: Taxonomy) -> Iterator[tuple[_Entry, int, int]]:
    """Yield each exclude phrase, false friend and veto found in a folded text, with its span."""
    if taxonomy._phrases is None:
        return
    for match in taxonomy._phrases.finditer(folded):
        group = match.lastindex
        for entry in taxonomy._phrase_entries[group - 1]:
            yield entry, match.start(), match.end(group)


def _tag_folded(folded: str, taxonomy: Taxonomy, language: str | None) -> list[TopicMatch]:
    hits: dict[int, list[str]] = {}  # topic -> terms, rubric first
    via_rubric: set[int] = set()
    if taxonomy._rubrics is not None:
        for match in taxonomy._rubrics.finditer(folded):
            for entry in taxonomy._rubric_entries[match.lastindex - 1]:
                hits.setdefault(entry.topic, []).append(entry.term)
                via_rubric.add(entry.topic)

    excluded: dict[int, list[tuple[int, int]]] = {}
    vetoed: set[int] = set()
    for entry, start, end in _phrase_hits(folded, taxonomy):
        if entry.kind in _HIDES_TERMS_INSIDE:
            excluded.setdefault(entry.topic, []).append((start, end))
        else:  # a veto
            vetoed.add(entry.topic)
    for index in vetoed:
        hits.pop(index, None)
        via_rubric.discard(index)

    candidates: list[tuple[_Entry, int, int]] = []
    leaves = taxonomy._term_entries
    for match in taxonomy._terms.finditer(folded):
        group = match.lastindex
        for entry in leaves[group - 1]:
            if language is None or entry.language == language:
                candidates.append((entry, match.start(), match.end(group)))

    verdicts: dict[int, bool] = {}
    seen_keys: dict[int, set[str]] = {}
    for entry, start, end in candidates:
        if entry.topic in vetoed:
            continue
        spans = excluded.get(entry.topic)
        if spans and any(s <= start and end <= e for s, e in spans):
            continue
        if entry.rule is not None:
            if entry.rule not in verdicts:
                verdicts[entry.rule] = taxonomy._rules[entry.rule].holds(folded)
            if not verdicts[entry.rule]:
                continue
        seen = seen_keys.setdefault(entry.topic, set())
        if entry.key not in seen:
            seen.add(entry.key)
            hits.setdefault(entry.topic, []).append(entry.term)
    if not hits:
        return []

    implied: dict[int, int] = {}  # ancestor -> the child it was first reached from
    for index in sorted(hits):
        for ancestor in taxonomy._ancestors[index]:
            if ancestor not in hits:
                implied.setdefault(ancestor, index)
    result = []
    for index in sorted(hits.keys() | implied.keys(), key=taxonomy._rank.__getitem__):
        slug = taxonomy.topics[index].slug
        if index in implied:
            child = implied[index]
            via = f"parent:{taxonomy.topics[child].slug}"
            result.append(TopicMatch(slug, tuple(dict.fromkeys(hits[child])), via))
        else:
            via = "rubric" if index in via_rubric else "term"
            result.append(TopicMatch(slug, tuple(dict.fromkeys(hits[index])), via))
    return result


def tag_text(text: str, taxonomy: Taxonomy, language: str | None = None) -> list[TopicMatch]:
    """Return the topics of one text, in taxonomy order with implied parents after them.

    `language` ("fr", "ar", "en") restricts terms to that edition; None tries all of them.
    """
    _check_language(language)
    return _tag_folded(fold_text(text), taxonomy, language)


# Texts a taxonomy remembers the tags of: 10k, article bodies included, is a few tens of MB.
_TAGGED_MAX = 10_000


def tag_texts(texts: pd.Series, taxonomy: Taxonomy, languages: pd.Series | None = None) -> pd.DataFrame:
    """Return one row per (input row, topic): row, topic, matched_terms (list[str]), via.

    Each distinct (text, language) is tagged once; missing texts get no rows.
    """
    if languages is not None and not languages.index.equals(texts.index):
        raise ValueError("languages must share the index of texts")
    codes = [None] * len(texts) if languages is None else languages.tolist()
    tagged = taxonomy._tagged
    if len(tagged) > _TAGGED_MAX:
        tagged.clear()
    rows, topics, terms, vias = [], [], [], []
    for label, text, code in zip(texts.index, texts.tolist(), codes, strict=True):
        if not isinstance(text, str):
            continue
        language = code if isinstance(code, str) else None
        key = (text, language)
        if key not in tagged:
            _check_language(language)
            tagged[key] = _tag_folded(fold_text(text), taxonomy, language)
        for match in tagged[key]:
            rows.append(label)
            topics.append(match.topic)
            terms.append(list(match.terms))
            vias.append(match.via)
    return pd.DataFrame(
        {
            "row": pd.Series(rows, dtype=texts.index.dtype),
            "topic": pd.Series(topics, dtype="str"),
            "matched_terms": pd.Series(terms, dtype=object),
            "via": pd.Series(vias, dtype="str"),
        }
    )


def vetoed_topics(texts: pd.Series, taxonomy: Taxonomy) -> pd.DataFrame:
    """Return one row per (input row, topic) the model is vetoed for: row, topic.

    An exclude phrase ("défense des droits", "AS FAR") vetoes the topic's terms inside it, and a
    `vetoed_by` phrase (handball, for football) the topic's terms anywhere; either vetoes the embedding
    model for that topic in the whole text, since it cannot say which words it relied on. A false friend
    ("كافة", "all", is not "الكاف", the CAF) only hides the terms inside it: it says nothing of the topic.
    """
    rows, topics = [], []
    for label, text in zip(texts.index, texts.tolist(), strict=True):
        if not isinstance(text, str):
            continue
        found = {
            entry.topic
            for entry, _, _ in _phrase_hits(fold_text(text), taxonomy)
            if entry.kind in _VETOES_MODEL
        }
        for index in sorted(found):
            rows.append(label)
            topics.append(taxonomy.topics[index].slug)
    return pd.DataFrame(
        {"row": pd.Series(rows, dtype=texts.index.dtype), "topic": pd.Series(topics, dtype="str")}
    )
