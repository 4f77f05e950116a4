# The README's commands call these targets. Everything a target needs is installed by the target itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run demo test lint unit bench setup setup-test clean translations screenshots bundle agent-bundle deb nsis

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The package is installed editable, so a source change needs no reinstall: pip runs again only when
# pyproject.toml changed since the last install (the stamp files), not on every `make run`.
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[gui]'
	touch $@

setup-test: $(VENV)/.installed-test

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	sh tests/setup/debian-packages.sh
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

# The wizard (needs a desktop session: Qt's X11/Wayland libraries and a CJK font are installed if missing).
run: setup
	sh tests/setup/debian-packages.sh
	$(BIN)/migration-wizard

# A real migration of the example task with the headless CLI (a local folder into ./migrated-sample).
demo: setup
	$(BIN)/migration-agent run examples/local-copy.toml
	$(BIN)/migration-agent status examples/local-copy.toml

lint: setup-test
	$(BIN)/ruff check wizard tests
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: setup-test
	$(BIN)/pytest -q

test: lint unit

# Benchmarks are not tests: they print the speed table against rclone and the 10-million-object planning numbers (Debian's rclone package is installed if missing).
bench: setup-test
	command -v rclone >/dev/null || (apt-get update -q && apt-get install -y -q rclone)
	$(BIN)/python tests/benchmarks/bench_table.py
	$(BIN)/python tests/benchmarks/bench_plan.py --objects 10000000
	$(BIN)/python tests/benchmarks/bench_service.py
	$(BIN)/python tests/benchmarks/bench_cutover.py --objects 30000

# Every string of the GUI into the .ts files (merged: translations are kept, removed strings dropped), then the
# .qm files the wizard loads. No source locations and sorted messages, so a .ts changes only when a string does.
GUI_SOURCES = $(shell find wizard/gui -name '*.py' | LC_ALL=C sort)

translations: setup
	mkdir -p i18n wizard/resources/i18n
	for lang in zh_CN en; do \
		$(BIN)/pyside6-lupdate -no-obsolete -locations none -sort-messages -source-language en \
			$(GUI_SOURCES) -ts i18n/wizard_$$lang.ts && \
		$(BIN)/pyside6-lrelease -silent i18n/wizard_$$lang.ts -qm wizard/resources/i18n/wizard_$$lang.qm || exit 1; \
	done

# Installers (packaging/build.py): the onedir bundle with both programs, the agent alone as a tarball (no Qt,
# no Python needed on the server), the .deb of the bundle, and the Windows installer script compiled with makensis.
bundle: setup-test
	$(BIN)/python packaging/build.py bundle

agent-bundle: setup-test
	$(BIN)/python packaging/build.py agent

deb: setup-test
	$(BIN)/python packaging/build.py deb

nsis: setup-test
	$(BIN)/python packaging/build.py nsis

clean:
	rm -rf $(VENV) migrated-sample .mypy_cache .ruff_cache .pytest_cache build dist

# Every wizard page in English and Chinese, drawn on a real X server (its own Xvfb) against a real agent and local
# S3 servers, into docs/screenshots/ (the run page mid-migration, with rate history and failed files).
screenshots: setup-test
	$(BIN)/python tests/screenshots/take.py docs/screenshots
