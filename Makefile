# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install lint typecheck unit docs bench clean

demo:
	PYTHON=$(PYTHON) VENV=$(VENV) ./scripts/demo.sh

test: install lint typecheck unit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]" -e ./emulator

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy
	@# Each example is its own program (every one is a __main__), so each is checked on its own.
	for example in examples/*/__main__.py; do $(BIN)/mypy "$$example" || exit 1; done

unit:
	$(BIN)/pytest

docs:
	$(BIN)/python scripts/reference.py

# The benchmark (see README, Performance): `make bench`, or `make bench BENCH_ARGS=--smoke`.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,bench]"
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-* .demo .pytest_cache .mypy_cache .ruff_cache build dist bench/.peers
