# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install lint typecheck unit generate docs bench clean

demo:
	PYTHON=$(PYTHON) VENV=$(VENV) ./scripts/demo.sh

test: install lint typecheck unit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]" -e ./emulator \
		-e ./devtools

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy
	@# Each program (an example, the template, the policy pack) is a __main__: checked on its own.
	for program in examples/*/__main__.py templates/*/__main__.py policies/*/__main__.py; do \
		$(BIN)/mypy "$$program" || exit 1; \
	done

unit:
	$(BIN)/pytest

# The SDK's classes, docs/reference.md and provider/schema.json, from the provider's declarations.
generate: install
	$(BIN)/python scripts/generate.py

docs: generate

# The benchmark (see README, Performance): `make bench`, or `make bench BENCH_ARGS=--smoke`.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,bench]"
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-* .demo .pytest_cache .mypy_cache .ruff_cache build dist bench/.peers
