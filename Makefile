# Dropin: `make run` sets up and opens the kiosk on demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test system venv lint bench screenshots clean

run: system venv
	$(BIN)/dropin-admin init --demo --if-empty
	$(BIN)/dropin-kiosk --windowed

test: system venv
	$(BIN)/ruff check .
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

system:
	@./deploy/system-packages.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

screenshots: system venv
	xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python -m kiosk.screenshots --out docs/screenshots
	xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python -m admin.screenshots --out docs/screenshots

bench: venv
	$(BIN)/python -m bench.report_bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
