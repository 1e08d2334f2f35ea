# The venv is rebuilt whenever pyproject.toml changes, so a fresh clone needs nothing installed by hand.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check clobconn tests $(wildcard benchmarks)

typecheck: $(STAMP)
	$(BIN)/mypy --strict clobconn

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

demo: $(STAMP)
	$(BIN)/clobconn demo

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
