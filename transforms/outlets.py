"""Outlet-name normalization against data/outlets.csv (pure: the caller reads the CSV)."""

from __future__ import annotations

import pandas as pd

from tickerhouse.transforms.textfold import fold_outlet_name

OUTLET_COLUMNS = ("outlet_id", "name", "language", "homepage", "maghress_slug", "aliases")
ALIAS_SEPARATOR = "|"

# Suffixes a raw name may carry when an outlet is cited by its domain ("Le360.ma").
_TLDS = (".ma", ".com", ".net", ".info")


def _split_aliases(aliases: str) -> list[str]:
    return [a.strip() for a in aliases.split(ALIAS_SEPARATOR) if a.strip()]


def _require_columns(outlets: pd.DataFrame) -> None:
    missing = [c for c in OUTLET_COLUMNS if c not in outlets.columns]
    if missing:
        raise ValueError(f"outlets table lacks columns: {missing}")


def build_alias_index(outlets: pd.DataFrame) -> dict[str, str]:
    """Return folded name -> outlet_id, one entry per distinct key across all outlet spellings."""
    _require_columns(outlets)
    ids = outlets["outlet_id"]
    if ids.isna().any() or (ids.str.strip() == "").any():
        raise ValueError("outlets table has a row without outlet_id")
    duplicated = sorted(set(ids[ids.duplicated()]))
    if duplicated:
        raise ValueError(f"duplicate outlet_id in outlets table: {duplicated}")

    index: dict[str, str] = {}
    origin: dict[str, str] = {}
    for row in outlets.itertuples(index=False):
        spellings = [row.outlet_id, row.name, row.maghress_slug, *_split_aliases(row.aliases)]
        for spelling in spellings:
            if not isinstance(spelling, str):
                continue
            key = fold_outlet_name(spelling)
            if not key:
                continue
            owner = index.setdefault(key, row.outlet_id)
            if owner != row.outlet_id:
                raise ValueError(
                    f"alias {spelling!r} of outlet {row.outlet_id!r} folds to {key!r}, "
                    f"already taken by {origin[key]!r} of outlet {owner!r}"
                )
            origin.setdefault(key, spelling)
    return index


def _strip_tld(raw: str) -> str | None:
    stripped = raw.rstrip()
    tail = stripped[-len(".info") :].casefold()
    for tld in _TLDS:
        if tail.endswith(tld):
            return stripped[: -len(tld)]
    return None


def _lookup(raw: str, index: dict[str, str]) -> str | None:
    outlet_id = index.get(fold_outlet_name(raw))
    if outlet_id is None:
        bare = _strip_tld(raw)
        if bare is not None:
            outlet_id = index.get(fold_outlet_name(bare))
    return outlet_id


def normalize_sources(df: pd.DataFrame, outlets: pd.DataFrame, column: str = "source_raw") -> pd.DataFrame:
    """Return a copy of df, same rows, with outlet_id, canonical source and source_known added."""
    index = build_alias_index(outlets)
    names = dict(zip(outlets["outlet_id"], outlets["name"], strict=True))

    raw = df[column].astype("str")
    # Folding is the costly step; the same few outlets repeat across every ticker, so tidy and
    # fold each distinct spelling once. A whitespace-only name carries no outlet: it becomes null.
    tidy_by_raw = {name: " ".join(name.split()) or None for name in raw.dropna().unique()}
    id_by_raw = {name: _lookup(tidy, index) for name, tidy in tidy_by_raw.items() if tidy}
    tidy = raw.map(tidy_by_raw).astype("str")

    out = df.copy()
    out["outlet_id"] = raw.map(id_by_raw).astype("str")
    known = out["outlet_id"].notna()
    out["source"] = out["outlet_id"].map(names).where(known, tidy).astype("str")
    out["source_known"] = known.astype(bool)
    return out


def outlets_table(outlets: pd.DataFrame) -> pd.DataFrame:
    """Return the warehouse outlets table: one row per outlet, empty fields null, aliases a list."""
    _require_columns(outlets)
    table = outlets.loc[:, ["outlet_id", "name", "language", "homepage", "maghress_slug"]]
    table = table.astype("str")
    for col in ("homepage", "maghress_slug"):
        stripped = table[col].str.strip()
        table[col] = stripped.mask(stripped == "")
    table["aliases"] = [_split_aliases(a) if isinstance(a, str) else [] for a in outlets["aliases"]]
    return table.reset_index(drop=True)
