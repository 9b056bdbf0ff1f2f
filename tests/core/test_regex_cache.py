"""The compiled-regex cache: the taxonomy's matchers loaded from the state dir tag as a fresh compile."""

from functools import partial

from tickerhouse import regex_cache
from tickerhouse.resources import TOPICS_TOML
from tickerhouse.transforms.topics import load_taxonomy, tag_text


def test_a_taxonomy_loaded_from_its_compiled_cache_tags_as_a_fresh_compile(tmp_path, monkeypatch):
    text = TOPICS_TOML.read_text(encoding="utf-8")
    taxonomy = load_taxonomy(text)  # re.compile
    cached_compile = partial(regex_cache.compile_cached, cache_dir=tmp_path)
    first = load_taxonomy(text, cached_compile)  # compiles and writes the cache
    # the terms' trie, the largest of the taxonomy's three patterns (rubrics, phrases, terms)
    cached = max(tmp_path.glob("regex-*.bin"), key=lambda p: p.stat().st_size)
    size = cached.stat().st_size
    with monkeypatch.context() as patched:  # compiling now fails: the programs come from the files
        patched.setattr(regex_cache, "_regex_program", None)
        again = load_taxonomy(text, cached_compile)
    headlines = [
        "Le Maroc et l'Espagne signent un accord de défense",
        "Botola Pro: le Wydad bat le Raja 2-1",
        "الملك يستقبل وزير الدفاع الأمريكي",
        "Légitime défense: le tribunal acquitte un commerçant",
        "CAN 2025 : les Lions de l'Atlas en stage",
    ]
    for loaded in (first, again):
        assert loaded._terms.pattern == taxonomy._terms.pattern
        assert (loaded._terms.groups, loaded._terms.flags) == (taxonomy._terms.groups, taxonomy._terms.flags)
        assert [tag_text(h, loaded) for h in headlines] == [tag_text(h, taxonomy) for h in headlines]
    # A damaged file (a disk error, a half-copied state dir) is compiled anew, not run
    cached.write_bytes(cached.read_bytes()[: cached.stat().st_size // 2])
    damaged = load_taxonomy(text, cached_compile)
    assert [tag_text(h, damaged) for h in headlines] == [tag_text(h, taxonomy) for h in headlines]
    assert cached.stat().st_size == size  # and rewritten whole
