# Runnable documentation: every task the project has. `make demo` and `make test` are the whole set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
DEMO_DB ?= data/news.duckdb

.PHONY: demo test lint typecheck bench bench-lake derived-data clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps: reinstall when pyproject.toml changes. The editable install is byte-compiled as a regular
# install is, so that no newsflow process (CLI, forkserver, Prefect worker) compiles the project's
# modules at start-up: 0.2 s each where PYTHONDONTWRITEBYTECODE is set, as on these machines and CI.
COMPILE := $(BIN)/python -m compileall -q flows ingest storage

# The C modules of ingest/ are compiled by the install, so a change to one reinstalls.
C_SOURCES := $(wildcard ingest/*.c ingest/*.h)
$(VENV)/.installed: pyproject.toml $(C_SOURCES) | $(BIN)/python
	$(PIP) install -e .
	$(COMPILE)
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(C_SOURCES) | $(BIN)/python
	$(PIP) install -e '.[dev]'
	$(COMPILE)
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/newsflow ingest files examples/articles --db $(DEMO_DB)
	$(BIN)/newsflow sql --db $(DEMO_DB) "SELECT a.title, count(DISTINCT d.document_id) AS copies, string_agg(DISTINCT t.agency || ':' || t.role, ', ') AS agencies FROM articles a JOIN documents d USING (article_id) LEFT JOIN agency_tags t USING (article_id) GROUP BY a.title ORDER BY a.title"
	$(BIN)/newsflow sql --db $(DEMO_DB) "SELECT d.verdict, round(d.jaccard, 2) AS jaccard, round(d.containment, 2) AS containment, a.title, b.title AS joined_with FROM story_decisions d JOIN articles a ON a.article_id = d.article_id JOIN articles b ON b.article_id = d.other_article_id"

test: $(VENV)/.installed-dev lint typecheck
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check flows ingest storage tests bench

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# The foreign-word table name repair reads, derived from wordfreq (ingest/word_frequencies.py).
derived-data: $(VENV)/.installed
	$(BIN)/python -c "from ingest.word_frequencies import FOREIGN_WORDS_FILE, write_foreign_words; from ingest.datafiles import shipped_path; write_foreign_words(shipped_path(FOREIGN_WORDS_FILE))"

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/cli_overhead.py
	$(BIN)/python bench/bbc_ingest.py
	$(BIN)/python bench/reuters_speed.py
	$(BIN)/python bench/story_eval.py

# Writers on one DuckLake (docs/scale.md); needs Debian's postgresql, as .ci/run installs it.
bench-lake: $(VENV)/.installed-dev
	$(BIN)/python bench/lake_writers.py

clean:
	rm -rf $(VENV) data .pytest_cache .hypothesis
