# The two commands of the README:  make demo  and  make test.
# Both create the virtual environment in .venv first (Python 3.11 or newer).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]' -e plugins/officina-payments -e plugins/officina-carriers
	touch $@

demo: $(VENV)/.installed
	$(BIN)/officina demo

# The whole suite runs twice: on SQLite, then on a throw-away PostgreSQL.
# The browser tests (tests/browser) drive Debian's Chromium, installed first
# when missing.
test: $(VENV)/.installed lint
	scripts/ensure-chromium.sh
	$(BIN)/python -m pytest
	scripts/with-postgres.sh $(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check platform tests bench plugins
	$(BIN)/ruff format --check platform tests bench plugins

bench: $(VENV)/.installed
	$(BIN)/python bench/load_definitions.py
	$(BIN)/python bench/records_bench.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .hypothesis demo-site

# New UI texts into the Chinese catalog (then translate the empty msgstr).
translations: $(VENV)/.installed
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -o build/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i build/messages.pot -d platform/officina/web/ui/translations --no-location --ignore-obsolete
