# Two entry points on a fresh machine (python3 and make present): `make demo` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
WAREHOUSE ?= data/warehouse.duckdb

.PHONY: demo test lint format sample clean serve export report-screenshot

# uv installs the pinned stack in seconds; plain pip takes about a minute. --compile-bytecode, as pip does:
# without it every command compiles pandas & co. again wherever .pyc files are not written
# (PYTHONDONTWRITEBYTECODE, a read-only venv): pandas' import 1.8 s instead of 0.65 s.
$(STAMP): pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -c requirements.lock -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/tickerhouse ingest data/sample --warehouse $(WAREHOUSE)
	$(VENV)/bin/tickerhouse enrich --warehouse $(WAREHOUSE)
	$(VENV)/bin/tickerhouse sql --saved summary --warehouse $(WAREHOUSE)
	$(VENV)/bin/tickerhouse sql --saved top_outlets --param days=30 --warehouse $(WAREHOUSE)
	$(VENV)/bin/tickerhouse sql --saved reject_reasons --warehouse $(WAREHOUSE)
	$(VENV)/bin/tickerhouse trends --topic defense,football --by day --warehouse $(WAREHOUSE) --plot docs/trends.png
	$(VENV)/bin/tickerhouse report --warehouse $(WAREHOUSE) --out data/report.html

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Regenerates the bundled sample corpus (deterministic) and adds the real seed dump.
sample: $(STAMP)
	rm -rf data/sample
	$(PY) -m tickerhouse.samples.corpus --out data/sample --dumps 400 --interval-minutes 180
	cp ../shared/seeds/000_46a3b748499c8f06.txt data/sample/
	# git keeps no mtimes, so the bundle leaves out the files a clone could only date by mtime:
	# fr/2024-12-15/page-12.txt and ar/2024-12-01/page-1.txt (no stamp, no manifest row, no dated ticker)
	rm -- data/sample/fr/2024-12-15/page-12.txt data/sample/ar/2024-12-01/page-1.txt

# Schedules need a real Prefect server: start one on 127.0.0.1:4200 (analytics off, state in state/prefect),
# wait until it is healthy, then serve the ingest / nightly export / retag deployments. Ctrl-C stops both.
serve: $(STAMP)
	$(VENV)/bin/tickerhouse serve --start-server --port 4200 --warehouse $(WAREHOUSE)

# The README's screenshot of the report `make demo` wrote (headless Chromium: apt-get install chromium).
report-screenshot: $(STAMP)
	$(PY) tests/browser.py data/report.html docs/report.png

export: $(STAMP)
	$(VENV)/bin/tickerhouse export --warehouse $(WAREHOUSE)

clean:
	rm -rf $(VENV) state data/warehouse.duckdb data/warehouse.duckdb.wal
