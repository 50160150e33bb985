# Liudan: `make run` starts the whole service, `make test` passes the suite. Both set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run demo test lint venv browser clean bench

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required (python3.11 or python3 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

## run: Temporal dev server + worker + web on the embedded defaults, with the demo district and cases
run: venv
	$(BIN)/python server.py --dev --demo

## demo: the same, and the demo cases are added (again) even if the district already has some
demo: venv
	LIUDAN_DEMO_FORCE=1 $(BIN)/python server.py --dev --demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## browser: Debian's chromium and a CJK font for the end-to-end tests (never a downloaded browser)
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; \
	  elif command -v sudo >/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; \
	  else \
	    echo "The browser tests need Debian's chromium and fonts-wqy-microhei: apt-get install chromium fonts-wqy-microhei"; \
	  fi; \
	fi

## test: lint, type-check, then the whole suite (SQLite and PostgreSQL read models, browser): the
## tests that start stacks of their own run beside the rest (tests/suite.py)
test: lint browser
	$(BIN)/python -m tests.suite $(PYTEST_ARGS)

## bench: issue 14's goals, each beside bare Temporal measured in the same run (about 15 minutes; never in `make test`)
bench: venv
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
