"""tickerhouse: a news data warehouse for Maghress page dumps.

The package is one installable unit; its top-level folders map under it (pyproject.toml,
`[tool.setuptools.package-dir]`): `flows/` -> `tickerhouse.flows`, `transforms/` ->
`tickerhouse.transforms`, `sql/` -> `tickerhouse.sql`, `data/` -> `tickerhouse.data`.
"""
