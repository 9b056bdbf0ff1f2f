"""Deterministic synthetic corpus of Maghress page dumps, for the bundled demo and for benchmarks.

Layout, boilerplate and byline of a French dump reproduce the real seed dump byte for byte; the
Arabic edition swaps in the Arabic widget, byline and footer (both from transforms/site.py, which the
parser reads too). Headlines and articles come from the templates in templates/ (written for this
module, no third-party text); headlines are published as a Poisson-ish stream whose topic mix shifts
over time (weekends, a tournament week, an arms-sale story), so day-by-day trends are visible.

Run: ``python -m tickerhouse.samples.corpus --out data/sample --dumps 400 --interval-minutes 180``.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import html
import io
import itertools
import math
import os
import random
import re
import string
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from tickerhouse.transforms.site import EDITIONS as SITE

CASABLANCA = ZoneInfo("Africa/Casablanca")
DEFAULT_START = datetime(2024, 12, 1, tzinfo=UTC)
NBSP4 = "\u00a0" * 4
_MAX_LIFETIME = 36 * 3600.0  # seconds a headline can stay on the ticker
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

BAD_KINDS: tuple[str, ...] = (
    "empty",
    "whitespace",
    "random_bytes",
    "nul_bytes",
    "bom",
    "cp1252",
    "mojibake",
    "truncated",
    "html",
    "article_only",
    "no_content",
    "duplicate",
    "empty_entries",
)
# Kinds that only make sense on Latin text: cp1252 cannot encode Arabic, and mojibake of Arabic
# hits bytes undefined in cp1252.
_FRENCH_ONLY_KINDS = frozenset({"cp1252", "mojibake"})

# --------------------------------------------------------------------------------------------
# Editions: the site's boilerplate (transforms/site.py, which the parser reads too) and the template
# text of templates/<edition>.toml and templates/outlets.tsv
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edition:
    code: str
    widget: tuple[str, str]
    byline: str  # format with outlet and date
    footer: str
    headlines_per_hour: float
    ticker_size: int  # the real French ticker shows 48 entries, the real Arabic one 58


_EDITIONS = {
    code: _Edition(code, SITE[code].widget, SITE[code].byline, SITE[code].footer, rate, size)
    for code, rate, size in (("fr", 4.0, 48), ("ar", 6.0, 54))
}
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass(frozen=True)
class _Templates:
    """One edition's template text: slot pools, headline templates by group, article sentences, outlets."""

    first_names: list[str]
    last_names: list[str]
    months: list[str]
    weekdays: list[str]
    daily: dict[str, str]  # exchange_rates, forecast: format with date
    pools: dict[str, list[str]]
    headlines: dict[str, list[str]]
    captions: list[str]
    sentences: list[str]  # any article's
    family_sentences: dict[str, list[str]]  # a headline family's own
    # (name as bylines spell it, slug, weight): spelling variants a normalizer must fold, and one rare
    # outlet nobody has mapped, so that even the demo shows each.
    outlets: list[tuple[str, str, float]]


def _template_file(name: str) -> str:
    return files("tickerhouse.samples").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


def _read_templates() -> tuple[dict[str, _Templates], frozenset[str]]:
    """Return each edition's templates and the title words some outlets do not capitalize."""
    outlets: dict[str, list[tuple[str, str, float]]] = {}
    rows = csv.DictReader(io.StringIO(_template_file("outlets.tsv")), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in rows:
        outlets.setdefault(row["edition"], []).append((row["name"], row["slug"], float(row["weight"])))
    editions: dict[str, _Templates] = {}
    title_words: frozenset[str] = frozenset()
    for code in _EDITIONS:
        data = tomllib.loads(_template_file(f"{code}.toml"))
        editions[code] = _Templates(
            first_names=data["names"]["first"],
            last_names=data["names"]["last"],
            months=data["calendar"]["months"],
            weekdays=data["calendar"]["weekdays"],
            daily=data["daily"],
            pools=data["pools"],
            headlines=data["headlines"],
            captions=data["articles"]["captions"],
            sentences=data["articles"]["sentences"],
            family_sentences=data["articles"]["family"],
            outlets=outlets[code],
        )
        title_words |= frozenset(data.get("near_duplicates", {}).get("title_words", ()))
    return editions, title_words


_TEMPLATES, _TITLE_WORDS = _read_templates()

# Base share of the headline stream per group; multiplied by calendar and event factors below.
_GROUP_WEIGHTS = {
    "defense": 3.0,
    "defense_arms": 0.2,
    "football": 13.0,
    "football_can": 0.3,
    "sports": 5.0,
    "economy": 12.0,
    "politics": 9.0,
    "international": 11.0,
    "society": 9.0,
    "justice": 5.0,
    "security": 7.0,
    "health": 4.0,
    "culture": 6.0,
    "religion": 2.0,
    "technology": 4.0,
    "environment": 4.0,
    "weather": 1.0,
    "english": 0.6,
}

# Headline groups whose article bodies borrow another group's topical sentences.
_FAMILY_OF = {"defense_arms": "defense", "football_can": "football", "english": "defense"}

# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleFile:
    """One generated file: a page dump (possibly a deliberately bad one) or a folder manifest."""

    relpath: str
    data: bytes
    mtime: float
    kind: str = "dump"  # "dump", "ticker_only", "manifest" or one of BAD_KINDS


@dataclass(frozen=True)
class CorpusStats:
    """Counts of what write_corpus wrote: files (dumps and manifests), bytes, files per kind."""

    files: int
    bytes: int
    by_kind: dict[str, int] = field(default_factory=dict)


def generate_corpus(
    n_dumps: int,
    *,
    seed: int = 20241223,
    start: datetime = DEFAULT_START,
    interval_minutes: int = 15,
    editions: tuple[str, ...] = ("fr", "ar"),
    bad_ratio: float = 0.02,
) -> Iterator[SampleFile]:
    """Yield n_dumps page dumps in capture order, plus one manifest.csv per folder that needs one.

    Deterministic: the same arguments give the same files, names, bytes and order.
    """
    if n_dumps < 0:
        raise ValueError(f"n_dumps must be >= 0, got {n_dumps}")
    if interval_minutes <= 0:
        raise ValueError(f"interval_minutes must be > 0, got {interval_minutes}")
    if not 0.0 <= bad_ratio <= 1.0:
        raise ValueError(f"bad_ratio must be within [0, 1], got {bad_ratio}")
    unknown = [e for e in editions if e not in _EDITIONS]
    if unknown or not editions:
        raise ValueError(f"editions must be a non-empty subset of {sorted(_EDITIONS)}: {editions}")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    return _Builder(n_dumps, seed, start, interval_minutes, editions, bad_ratio).run()


def write_corpus(out_dir: Path, n_dumps: int, **kwargs: object) -> CorpusStats:
    """Write generate_corpus(n_dumps, **kwargs) under out_dir with mtimes set; return its counts."""
    out_dir = Path(out_dir)
    made: set[str] = set()
    kinds: Counter[str] = Counter()
    n_files = n_bytes = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    for sample in generate_corpus(n_dumps, **kwargs):  # type: ignore[arg-type]
        folder, _, _ = sample.relpath.rpartition("/")
        if folder not in made:
            (out_dir / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        # os-level calls and utime on the open descriptor: the write loop is the benchmark's
        # bottleneck, and a path-based utime would resolve the path a second time.
        fd = os.open(out_dir / sample.relpath, flags, 0o644)
        try:
            os.write(fd, sample.data)
            if os.utime in os.supports_fd:
                os.utime(fd, (sample.mtime, sample.mtime))
        finally:
            os.close(fd)
        if os.utime not in os.supports_fd:
            os.utime(out_dir / sample.relpath, (sample.mtime, sample.mtime))
        n_files += 1
        n_bytes += len(sample.data)
        kinds[sample.kind] += 1
    return CorpusStats(files=n_files, bytes=n_bytes, by_kind=dict(sorted(kinds.items())))


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: write a sample corpus and print its counts; return exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--dumps", type=int, required=True, help="number of page dumps")
    parser.add_argument("--seed", type=int, default=20241223)
    parser.add_argument("--interval-minutes", type=int, default=15)
    parser.add_argument("--bad-ratio", type=float, default=0.02)
    parser.add_argument(
        "--start",
        type=datetime.fromisoformat,
        default=DEFAULT_START,
        help="first snapshot, ISO 8601 with offset (default 2024-12-01T00:00:00+00:00)",
    )
    parser.add_argument("--editions", default="fr,ar", help="comma-separated, e.g. fr,ar")
    args = parser.parse_args(argv)
    stats = write_corpus(
        args.out,
        args.dumps,
        seed=args.seed,
        start=args.start,
        interval_minutes=args.interval_minutes,
        editions=tuple(e.strip() for e in args.editions.split(",") if e.strip()),
        bad_ratio=args.bad_ratio,
    )
    kinds = ", ".join(f"{k}={v}" for k, v in stats.by_kind.items())
    print(f"wrote {stats.files} files, {stats.bytes} bytes to {args.out} ({kinds})")
    return 0


# --------------------------------------------------------------------------------------------
# Implementation
# --------------------------------------------------------------------------------------------

_OPTIONAL = re.compile(r"\[([^\]]*)\]")
_FORMATTER = string.Formatter()


class _Headline(NamedTuple):
    text: str
    encoded: bytes  # text + 4 NBSP, UTF-8: the ticker is a plain join of these
    slug: str
    item_id: int


@dataclass
class _Stream:
    """An edition's headlines in publication order, as parallel lists for a fast ticker walk."""

    published: list[float] = field(default_factory=list)
    expires: list[float] = field(default_factory=list)
    encoded: list[bytes] = field(default_factory=list)
    items: list[_Headline] = field(default_factory=list)


@dataclass(frozen=True)
class _Article:
    home: float  # when the article starts showing up in dumps
    title: str
    byline: str
    body: tuple[str, ...]  # paragraphs and caption lines, in page order
    blob: bytes  # title through footer, UTF-8


@dataclass
class _Recent:
    """Recently published headlines (shown form, near-duplicate form) with a membership count."""

    pairs: list[tuple[str, str | None]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    rendered: dict[tuple[str, int], list[tuple[str, str]]] = field(default_factory=dict)

    def push(self, shown: str, other: str | None) -> None:
        self.pairs.append((shown, other))
        self.counts[shown] += 1
        if len(self.pairs) > 150:
            old, _ = self.pairs.pop(0)
            self.counts[old] -= 1
            if not self.counts[old]:
                del self.counts[old]


@dataclass
class _Slots:
    """Fills template fields from the edition's pools; numbered fields get distinct values."""

    rng: random.Random
    pools: dict[str, list[str]]
    persons: tuple[list[str], list[str]]
    arabic: bool

    def fill(self, template: str, context: dict[str, str]) -> str:
        values: dict[str, str] = {}
        used: dict[str, set[str]] = {}
        for _, name, _, _ in _FORMATTER.parse(template):
            if not name or name in values:
                continue
            base = name.rstrip("0123456789").lower()
            taken = used.setdefault(base, set())
            value = self._value(base, context, taken)
            taken.add(value)
            values[name] = value[:1].upper() + value[1:] if name[0].isupper() else value
        return template.format_map(values)

    def _value(self, base: str, context: dict[str, str], taken: set[str]) -> str:
        rng = self.rng
        if base in context:
            return context[base]
        for _ in range(8):
            value = self._draw(base, rng)
            if value not in taken:
                return value
        return value

    def _draw(self, base: str, rng: random.Random) -> str:
        if base == "person":
            return f"{rng.choice(self.persons[0])} {rng.choice(self.persons[1])}"
        if base == "player":  # the pools list a man's first name at every even index
            return f"{rng.choice(self.persons[0][::2])} {rng.choice(self.persons[1])}"
        if base == "n":
            return str(rng.choice((rng.randint(3, 60), rng.randint(60, 900))))
        if base == "pct":
            value = f"{rng.uniform(0.3, 9.9):.1f}"
            return value if self.arabic else value.replace(".", ",")
        if base == "rate":
            return rng.choice(("2,25", "2,50", "2,75", "3")) if not self.arabic else "2.5"
        if base == "rate_en":
            return rng.choice(("2.25", "2.50", "2.75"))
        if base == "usd":
            return f"{rng.randint(40, 900)}.{rng.randint(10, 99)}"
        if base == "ordinal":
            k = rng.randint(2, 14)
            return f"{k}ème" if not self.arabic else str(k)
        if base == "few":
            return str(rng.randint(2, 9))
        if base == "years":
            return str(rng.randint(1, 12))
        if base == "day":
            return str(rng.randint(1, 28))
        return rng.choice(self.pools[base])


class _Builder:
    """Precomputes headline streams and article pools, then assembles dumps from encoded pieces."""

    def __init__(
        self,
        n_dumps: int,
        seed: int,
        start: datetime,
        interval_minutes: int,
        editions: tuple[str, ...],
        bad_ratio: float,
    ) -> None:
        self.n_dumps = n_dumps
        self.seed = seed
        self.editions = editions
        self.interval = interval_minutes * 60
        self.t0 = start.timestamp()
        n_slots = math.ceil(n_dumps / len(editions)) if n_dumps else 0
        self.t_end = self.t0 + max(n_slots, 1) * self.interval
        self.rng = random.Random(f"{seed}:dumps")
        self.events = self._events(random.Random(f"{seed}:events"))
        self.streams = {e: self._headline_stream(e) for e in editions}
        self.articles = {e: self._article_pool(e, n_slots) for e in editions}
        self.article_homes = {e: [a.home for a in self.articles[e]] for e in editions}
        self.bad_at = self._bad_positions(bad_ratio)

    # ---- calendar and topic mix -------------------------------------------------------------

    def _events(self, rng: random.Random) -> dict[str, list[tuple[float, float]]]:
        """Arms-sale stories and tournament weeks, placed early so even the demo shows them."""
        day = 86400.0
        spikes, weeks = [], []
        t = self.t0 + rng.uniform(5, 9) * day
        while t < self.t_end:
            spikes.append((t, t + rng.uniform(2, 4) * day))
            t += rng.uniform(20, 45) * day
        t = self.t0 + rng.uniform(12, 15) * day
        while t < self.t_end:
            weeks.append((t, t + 7 * day))
            t += rng.uniform(40, 80) * day
        return {"defense_arms": spikes, "football_can": weeks}

    def _group_weights(self, local: datetime, t: float) -> list[float]:
        w = dict(_GROUP_WEIGHTS)
        if local.weekday() >= 5:  # Botola rounds and European leagues play at weekends
            w["football"] *= 2.2
            w["sports"] *= 1.5
            w["economy"] *= 0.5
            w["politics"] *= 0.5
        elif local.weekday() == 2:
            w["football"] *= 1.4
        if any(a <= t < b for a, b in self.events["defense_arms"]):
            w["defense_arms"] = 14.0
            w["defense"] *= 2.5
        if any(a <= t < b for a, b in self.events["football_can"]):
            w["football_can"] = 22.0
            w["football"] *= 1.5
        return [w[g] for g in _GROUP_WEIGHTS]

    # ---- headlines --------------------------------------------------------------------------

    def _slots(self, edition: str, rng: random.Random) -> _Slots:
        text = _TEMPLATES[edition]
        return _Slots(rng, text.pools, (text.first_names, text.last_names), edition == "ar")

    def _context(self, edition: str, local: datetime) -> dict[str, str]:
        months = _TEMPLATES[edition].months
        return {
            "year": str(local.year),
            "pastyear": str(local.year - 2),
            "nextyear": str(local.year + 2),
            "month": months[local.month - 1],
        }

    def _headline_stream(self, edition: str) -> _Stream:
        """Every headline published for the edition, in publication order."""
        rng = random.Random(f"{self.seed}:{edition}:headlines")
        slots = self._slots(edition, rng)
        templates = _TEMPLATES[edition].headlines
        groups = list(_GROUP_WEIGHTS)
        outlets = _TEMPLATES[edition].outlets
        slugs = [slug for _, slug, _ in outlets]
        slug_weights = list(itertools.accumulate(w for _, _, w in outlets))
        rate = _EDITIONS[edition].headlines_per_hour
        stream = _Stream()
        recent = _Recent()
        item_id = rng.randint(100000, 900000)
        # Start two days early so the first ticker is already full.
        hour = math.floor((self.t0 - 48 * 3600) / 3600) * 3600.0
        while hour < self.t_end:
            local = datetime.fromtimestamp(hour, CASABLANCA)
            weights = self._group_weights(local, hour)
            weights = list(
                itertools.accumulate(
                    w if g in templates else 0.0 for g, w in zip(_GROUP_WEIGHTS, weights, strict=True)
                )
            )
            factor = 0.3 if local.hour < 6 else 0.8 if local.hour < 9 else 1.3
            factor = 0.9 if local.hour >= 19 else factor
            batch: list[tuple[float, float, str]] = []
            for _ in range(_poisson(rng, rate * factor)):
                published = hour + rng.uniform(0, 3600)
                lifetime = rng.uniform(3 * 3600, _MAX_LIFETIME)
                text = self._next_headline(rng, slots, templates, groups, weights, local, recent)
                batch.append((published, published + lifetime, text))
            batch.extend(self._daily_headlines(edition, rng, local, hour))
            batch.sort()
            for published, expires, text in batch:
                slug = rng.choices(slugs, cum_weights=slug_weights)[0]
                item_id += 1 + int(rng.random() * 40)
                encoded = (text + NBSP4).encode()
                stream.published.append(published)
                stream.expires.append(expires)
                stream.encoded.append(encoded)
                stream.items.append(_Headline(text, encoded, slug, item_id))
            hour += 3600.0
        return stream

    def _next_headline(
        self,
        rng: random.Random,
        slots: _Slots,
        templates: dict[str, list[str]],
        groups: list[str],
        weights: list[float],
        local: datetime,
        recent: _Recent,
    ) -> str:
        roll = rng.random()
        if recent.pairs and roll < 0.02:
            # Same story picked up again while still live: a duplicate entry in one ticker.
            return rng.choice(recent.pairs[-20:])[0]
        if recent.pairs and roll < 0.05:
            # Near-duplicate from another outlet: clause dropped/added, case or rubric changed.
            shown, other = rng.choice(recent.pairs[-20:])
            return other if other is not None else _variant(shown)
        # Redraw a few times so an unrelated story does not repeat a live headline by accident.
        for _ in range(4):
            group = rng.choices(groups, cum_weights=weights)[0]
            rendered = recent.rendered.setdefault((group, local.year), [])
            # Past a few hundred renderings per group and year, reuse them: keeps long benchmark
            # corpora cheap to generate while a ticker's worth of headlines stays varied.
            if len(rendered) < 300:
                context = self._context("ar" if slots.arabic else "fr", local)
                filled = slots.fill(rng.choice(templates[group]), context)
                full, short = _OPTIONAL.sub(r"\1", filled), _OPTIONAL.sub("", filled)
                rendered.append((full, short))
            else:
                full, short = rng.choice(rendered)
            if full not in recent.counts:
                break
        if full == short:
            shown, other = full, None
        else:
            shown, other = (full, short) if rng.random() < 0.6 else (short, full)
        recent.push(shown, other)
        return shown

    def _daily_headlines(
        self, edition: str, rng: random.Random, local: datetime, hour: float
    ) -> list[tuple[float, float, str]]:
        """Exchange rates (today's date) at 08h and temperatures (tomorrow's) at 17h, local."""
        if local.hour not in (8, 17):
            return []
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        # Expire at local midnight so the headline's date always matches the snapshot's day.
        expires = midnight.timestamp()
        published = hour + rng.uniform(0, 1800)
        day = local.date() if local.hour == 8 else local.date() + timedelta(days=1)
        tpl = _TEMPLATES[edition]
        spelled = f"{tpl.weekdays[day.weekday()]} {day.day} {tpl.months[day.month - 1]} {day.year}"
        template = tpl.daily["exchange_rates" if local.hour == 8 else "forecast"]
        return [(published, expires, template.format(date=spelled))]

    # ---- articles ---------------------------------------------------------------------------

    def _article_pool(self, edition: str, n_slots: int) -> list[_Article]:
        """Articles sorted by the time they start showing up; each recurs in several dumps."""
        rng = random.Random(f"{self.seed}:{edition}:articles")
        slots = self._slots(edition, rng)
        arabic = edition == "ar"
        tpl = _TEMPLATES[edition]
        templates = tpl.headlines
        groups = [g for g in _GROUP_WEIGHTS if g in templates]
        weights = [_GROUP_WEIGHTS[g] for g in groups]
        outlets = tpl.outlets
        outlet_weights = [w for _, _, w in outlets]
        generic = tpl.sentences
        families = tpl.family_sentences
        captions = tpl.captions
        ed = _EDITIONS[edition]
        # About ten dumps per article: the same article recurs, and the pool stays cheap to build.
        size = max(60, min(3000, n_slots // 12))
        pool = []
        paragraph_pools: dict[tuple[str, int], list[str]] = {}
        rare = [name for name, _, weight in outlets if weight <= 1]
        for i in range(size):
            home = rng.uniform(self.t0 - 86400, self.t_end)
            local = datetime.fromtimestamp(home, CASABLANCA)
            context = self._context(edition, local)
            group = rng.choices(groups, weights)[0]
            title = _OPTIONAL.sub(r"\1", slots.fill(rng.choice(templates[group]), context))
            outlet = rng.choices(outlets, outlet_weights)[0][0]
            k, rest = divmod(i - 3, size // len(rare))
            if rest == 0 and 0 <= k < len(rare):
                outlet = rare[k]  # spelling variants and unknown outlets show up even in the demo
            # One article per spelling, spread over the timeline, so the demo shows all of them.
            k, rest = divmod(i, size // len(_DATE_STYLES))
            style = _DATE_STYLES[k] if rest == 0 and k < len(_DATE_STYLES) else None
            spelled = _byline_date(rng, local.date(), arabic, style)
            byline = ed.byline.format(outlet=outlet, date=spelled)
            family = _FAMILY_OF.get(group, group)
            sentences = families.get(family, []) * 2 + generic
            # Seed-sized article bodies: the real one is 3.3 KB, Arabic bytes run larger.
            target = rng.randint(2200, 4200) if not arabic else rng.randint(1800, 3200)
            shared = paragraph_pools.setdefault((family, local.year), [])
            body = _article_body(rng, slots, context, sentences, captions, target, shared)
            text = f"{title}\n{byline}\n\n" + "\n".join(body) + "\n\n\n" + ed.footer
            pool.append(_Article(home, title, byline, tuple(body), text.encode()))
        pool.sort(key=lambda a: a.home)
        return pool

    def _pick_article(self, edition: str, t: float, rng: random.Random) -> _Article:
        homes = self.article_homes[edition]
        newest = bisect.bisect_right(homes, t) - 1
        # Mostly the latest few articles; a geometric tail brings back older ones.
        back = min(int(rng.expovariate(0.35)), 30)
        return self.articles[edition][max(newest - back, 0)]

    # ---- bad files --------------------------------------------------------------------------

    def _bad_positions(self, bad_ratio: float) -> dict[int, str]:
        rng = random.Random(f"{self.seed}:bad")
        n = self.n_dumps
        kinds = [k for k in BAD_KINDS if "fr" in self.editions or k not in _FRENCH_ONLY_KINDS]
        count = round(n * bad_ratio)
        if bad_ratio > 0 and n >= 200:
            count = max(count, len(kinds))
        # Skip the first few dumps so a duplicate always has an earlier dump to copy.
        candidates = list(range(min(n, 8), n))
        count = min(count, len(candidates))
        if not count:
            return {}
        wanted = kinds[:count] + [rng.choice(kinds) for _ in range(count - len(kinds))]
        fr_index = self.editions.index("fr") if "fr" in self.editions else -1
        width = len(self.editions)
        positions = rng.sample(candidates, count)
        placed = dict(zip(positions, wanted, strict=True))
        # Move French-only kinds onto French dumps by swapping with another bad position or
        # relocating to a free French position.
        for position, kind in list(placed.items()):
            if kind not in _FRENCH_ONLY_KINDS or position % width == fr_index:
                continue
            for _ in range(10_000):
                target = rng.choice(candidates)
                if target % width == fr_index and placed.get(target) not in _FRENCH_ONLY_KINDS:
                    break
            else:
                continue  # no French dump left to host it: bad_ratio near 1 on a tiny corpus
            del placed[position]
            if target in placed:
                placed[position] = placed[target]
            placed[target] = kind
        return placed

    # ---- assembly ---------------------------------------------------------------------------

    def run(self) -> Iterator[SampleFile]:
        rng = self.rng
        random_ = rng.random
        width = len(self.editions)
        heads = {e: ("\n" * 8 + "\n".join(_EDITIONS[e].widget) + "\n" * 4).encode() for e in self.editions}
        footers = {e: _EDITIONS[e].footer.encode() for e in self.editions}
        sizes = {e: _EDITIONS[e].ticker_size for e in self.editions}
        cursor = {e: [0, 0] for e in self.editions}  # [first unpublished, first possibly live]
        folders: dict[str, str] = {}
        folder_of_day: dict[tuple[str, int], str] = {}
        offsets: dict[int, float] = {}
        manifests: dict[str, list[tuple[str, str, float]]] = {}
        page_counter = dict.fromkeys(self.editions, 0)
        earlier: list[SampleFile] = []
        for position in range(self.n_dumps):
            slot, e_index = divmod(position, width)
            edition = self.editions[e_index]
            captured = int(self.t0 + slot * self.interval) + 30 * e_index + int(random_() * 26)
            mtime = captured + 1 + random_() * 5
            hour = captured // 3600
            offset = offsets.get(hour)
            if offset is None:
                moment = datetime.fromtimestamp(hour * 3600, UTC)
                offset = offsets[hour] = CASABLANCA.utcoffset(moment).total_seconds()
            day = int((captured + offset) // 86400)
            folder = folder_of_day.get((edition, day))
            if folder is None:
                iso_day = date.fromordinal(_EPOCH_ORDINAL + day).isoformat()
                folder = folder_of_day[(edition, day)] = f"{edition}/{iso_day}"
            if folders.get(edition) != folder:
                previous = folders.get(edition)
                if previous and manifests.get(previous):
                    yield _manifest(previous, manifests.pop(previous))
                folders[edition] = folder

            size = sizes[edition] + int(random_() * 5) - 2
            ticker = self._ticker(edition, captured, cursor[edition], size)
            kind = self.bad_at.get(position, "dump")
            if kind == "duplicate" and not earlier:
                kind = "dump"
            article = None if random_() < 0.10 else self._pick_article(edition, captured, rng)
            if kind == "dump" and article is None:
                kind = "ticker_only"
            if kind == "duplicate":
                # Same bytes, same capture, another name: re-ingesting it must change nothing.
                original = rng.choice(earlier[-50:])
                stem = original.relpath.removesuffix(".txt")
                yield SampleFile(f"{stem} (1).txt", original.data, original.mtime, kind)
                continue
            naming = random_()
            if naming < 0.89:
                stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(captured))
                name = f"maghress-{edition}_{stamp}.txt"
            else:
                page_counter[edition] += 1
                name = f"page-{page_counter[edition]}.txt"
                if naming < 0.99:  # the rest have neither name stamp nor manifest row: only mtime
                    local = datetime.fromtimestamp(captured, CASABLANCA)
                    iso = local.isoformat(timespec="seconds")
                    manifests.setdefault(folder, []).append((name, iso, mtime))
            encoded = self.streams[edition].encoded
            if kind == "dump":
                data = b"".join([encoded[j] for j in ticker]) + heads[edition] + article.blob
            elif kind == "ticker_only":
                data = b"".join([encoded[j] for j in ticker]) + heads[edition] + footers[edition]
            else:
                article = article or self._pick_article(edition, captured, rng)
                items = [self.streams[edition].items[j] for j in ticker]
                full = b"".join([encoded[j] for j in ticker]) + heads[edition] + article.blob
                data = self._bad_data(kind, edition, rng, full, heads, footers, items, article)
            sample = SampleFile(f"{folder}/{name}", data, mtime, kind)
            if kind == "dump":
                earlier.append(sample)
                if len(earlier) > 100:
                    del earlier[:50]
            yield sample
        for folder, rows in manifests.items():
            if rows:
                yield _manifest(folder, rows)

    def _ticker(self, edition: str, t: float, cursor: list[int], size: int) -> list[int]:
        """Stream indices of the `size` newest headlines live at t, newest first."""
        stream = self.streams[edition]
        published, expires = stream.published, stream.expires
        end, floor = cursor
        n = len(published)
        while end < n and published[end] <= t:
            end += 1
        # Nothing published more than the longest lifetime ago can still be live.
        while floor < end and published[floor] <= t - _MAX_LIFETIME:
            floor += 1
        cursor[0], cursor[1] = end, floor
        # Most recent headlines are still live: a window of 1.5 tickers usually suffices.
        low = max(floor, end - size - size // 2)
        picked = [j for j in range(end - 1, low - 1, -1) if expires[j] > t]
        if len(picked) < size and low > floor:
            picked += [j for j in range(low - 1, floor - 1, -1) if expires[j] > t]
        return picked[:size]

    def _bad_data(
        self,
        kind: str,
        edition: str,
        rng: random.Random,
        full: bytes,
        heads: dict[str, bytes],
        footers: dict[str, bytes],
        ticker: list[_Headline],
        article: _Article,
    ) -> bytes:
        if kind == "empty":
            return b""
        if kind == "whitespace":
            return "".join(rng.choice((" ", "\n", "\u00a0", "\t")) for _ in range(300)).encode()
        if kind == "random_bytes":
            return rng.randbytes(rng.randint(200, 4000))
        if kind == "nul_bytes":
            # What a crash mid-write leaves behind: the tail of the file is zero-filled.
            cut = rng.randint(len(full) // 3, 2 * len(full) // 3)
            return full[:cut] + b"\x00" * (len(full) - cut)
        if kind == "bom":
            return b"\xef\xbb\xbf" + full
        if kind == "cp1252":
            return full.decode().encode("cp1252")
        if kind == "mojibake":
            return full.decode("latin-1").translate(_CP1252_SLOPPY).encode()
        if kind == "truncated":
            lead = [i for i in range(len(full) * 2 // 3, len(full)) if full[i] >= 0xC0]
            cut = rng.choice(lead) + 1 if lead else len(full) - 1
            return full[:cut]
        if kind == "html":
            return _html_page(edition, ticker, article).encode()
        if kind == "article_only":
            start = 0 if rng.random() < 0.5 else 8  # first line empty, or the widget line itself
            return heads[edition][start:] + article.blob
        if kind == "empty_entries":
            return _with_empty_entries(rng, ticker) + heads[edition] + article.blob
        if kind == "no_content":
            return heads[edition][8:] + b"\n\n" + footers[edition]
        raise ValueError(f"unknown bad kind {kind!r}")


# Latin-1 code points 0x80-0x9F shown as their cp1252 glyphs; undefined ones stay as they are,
# which is what a sloppy Windows decoder does.
_CP1252_SLOPPY = {
    b: bytes([b]).decode("cp1252", errors="replace").replace("\ufffd", chr(b)) for b in range(0x80, 0xA0)
}


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method: lam stays below ~10 here, so the loop is short."""
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _variant(text: str) -> str:
    """A near-duplicate as another outlet words it: title words lower-cased, or no rubric."""
    words = text.split(" ")
    lowered = [w.lower() if i and w in _TITLE_WORDS else w for i, w in enumerate(words)]
    if lowered != words:
        return " ".join(lowered)
    rubric, sep, rest = text.partition(": " if ": " in text else " : ")
    if sep and len(rubric) < 25 and len(rest) > 20:
        return rest[:1].upper() + rest[1:]
    return text.rstrip(" !.") + "..."


_WEIRD_DATES = ("31 - 02 - 2021", "00 - 00 - 0000", "14 - 07 - 2031", "05 - 03 - 1990")
_DATE_STYLES = ("spaced", "dashed", "slashed", "month", "indic", "years_old", *_WEIRD_DATES)


def _byline_date(rng: random.Random, home: date, arabic: bool, style: str | None = None) -> str:
    """Publication date as bylines spell it: mostly days before, sometimes years; 1% nonsense.

    `style` forces one spelling (one of _DATE_STYLES) so even a small corpus shows each of them.
    """
    roll = rng.random()
    if style in _WEIRD_DATES or (style is None and roll < 0.01):
        return style or rng.choice(_WEIRD_DATES)
    if style == "years_old" or roll >= 0.91:
        day = home - timedelta(days=rng.randint(365, 12 * 365))
    elif roll < 0.70:
        day = home - timedelta(days=rng.randint(0, 3))
    else:
        day = home - timedelta(days=rng.randint(4, 60))
    if style is None:
        spell = rng.random()
        style = (
            "spaced" if spell < 0.90 else "dashed" if spell < 0.93 else "slashed" if spell < 0.96 else "month"
        )
    if style == "dashed":
        text = f"{day.day:02d}-{day.month:02d}-{day.year}"
    elif style == "slashed":
        text = f"{day.day:02d}/{day.month:02d}/{day.year}"
    elif style == "month":
        months = _TEMPLATES["ar" if arabic else "fr"].months
        text = f"{day.day} {months[day.month - 1]} {day.year}"
    else:
        text = f"{day.day:02d} - {day.month:02d} - {day.year}"
    if arabic and (style == "indic" or rng.random() < 0.15):
        text = text.translate(_ARABIC_INDIC)
    return text


def _article_body(
    rng: random.Random,
    slots: _Slots,
    context: dict[str, str],
    sentences: Sequence[str],
    captions: Sequence[str],
    target: int,
    paragraphs: list[str],
) -> list[str]:
    """Paragraph lines with short caption lines between some, about target bytes in all.

    New paragraphs are rendered into the shared `paragraphs` pool until it holds a hundred or so,
    then drawn from it: large corpora stay cheap and wire copy is shared across outlets anyway.
    """
    lines: list[str] = []
    if rng.random() < 0.1:
        lines.append(slots.fill(rng.choice(captions), context))
    used: set[str] = set()
    size = 0
    while size < target:
        if len(paragraphs) < 120:
            picked = dict.fromkeys(rng.sample(sentences, rng.randint(2, 5)))
            paragraph = " ".join(slots.fill(sentence, context) for sentence in picked)
            paragraphs.append(paragraph)
        else:
            paragraph = rng.choice(paragraphs)
            if paragraph in used:
                continue
        used.add(paragraph)
        if size and rng.random() < 0.45:
            lines.append(slots.fill(rng.choice(captions), context))
        lines.append(paragraph)
        size += len(paragraph.encode()) + 1
    if rng.random() < 0.1:
        lines.append(slots.fill(rng.choice(captions), context))
    return lines


def _with_empty_entries(rng: random.Random, ticker: list[_Headline]) -> bytes:
    """Ticker bytes with one or two empty anchors, i.e. runs of 8 NBSP, as in the Arabic one."""
    parts = [h.encoded for h in ticker]
    for _ in range(rng.randint(1, 2)):
        parts.insert(rng.randint(1, max(len(parts) - 1, 1)), NBSP4.encode())
    return b"".join(parts)


def _html_page(edition: str, ticker: list[_Headline], article: _Article) -> str:
    """The dump's content as the saved HTML page a scraper sometimes writes instead of text."""
    ed = _EDITIONS[edition]
    sep = "&nbsp;" * 4
    anchors = "".join(f'<a href="/{h.slug}/{h.item_id}">{html.escape(h.text)}</a>{sep}' for h in ticker)
    paragraphs = "".join(f"<p>{html.escape(line)}</p>\n" for line in article.body)
    direction = ' dir="rtl"' if edition == "ar" else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{edition}"{direction}><head><meta charset="utf-8">'
        f"<title>Maghress</title></head><body>\n<marquee>{anchors}</marquee>\n"
        f'<div class="report">{html.escape(ed.widget[0])} {html.escape(ed.widget[1])}</div>\n'
        f"<h1>{html.escape(article.title)}</h1>\n<p>{html.escape(article.byline)}</p>\n"
        f'{paragraphs}<p><a href="#source">{html.escape(ed.footer)}</a></p>\n</body></html>\n'
    )


def _manifest(folder: str, rows: list[tuple[str, str, float]]) -> SampleFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("file", "captured_at"))
    writer.writerows((name, captured_at) for name, captured_at, _ in rows)
    mtime = max(m for _, _, m in rows)
    return SampleFile(f"{folder}/manifest.csv", buffer.getvalue().encode(), mtime, "manifest")


if __name__ == "__main__":
    sys.exit(main())
