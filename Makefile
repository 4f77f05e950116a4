# The README's commands call these targets. Everything a target needs is installed by the target itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint unit bench setup setup-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q -e .

setup-test: $(BIN)/python
	sh tests/setup/debian-packages.sh
	$(BIN)/pip install -q -e '.[test]'

# A real migration of the example task (a local folder into ./migrated-sample), then its status.
run: setup
	$(BIN)/migration-agent run examples/local-copy.toml
	$(BIN)/migration-agent status examples/local-copy.toml

lint: setup-test
	$(BIN)/ruff check wizard tests
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: setup-test
	$(BIN)/pytest -q

test: lint unit

# Benchmarks are not tests: they print ratios against rclone (Debian's rclone package is installed if missing).
bench: setup-test
	command -v rclone >/dev/null || (apt-get update -q && apt-get install -y -q rclone)
	$(BIN)/python tests/benchmarks/bench_copy.py
	$(BIN)/python tests/benchmarks/bench_plan.py

clean:
	rm -rf $(VENV) migrated-sample .mypy_cache .ruff_cache .pytest_cache
