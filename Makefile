# The two commands a newcomer needs: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup test lint demo benchmarks catalogs clean

$(BIN)/ferryman: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/ferryman

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

test: lint
	$(BIN)/pytest -q -n 4

demo: setup
	$(BIN)/ferryman demo --out demo-output

# Every benchmark, full figures, one table (CI runs their quick mode in tests/test_benchmarks.py).
benchmarks: setup
	$(BIN)/python benchmarks/run.py

# Refresh the translation catalogs after changing user-facing strings.
catalogs: setup
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o bot/locales/ferryman.pot .
	$(BIN)/pybabel update -i bot/locales/ferryman.pot -d bot/locales -D ferryman --no-fuzzy-matching

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
