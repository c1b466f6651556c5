# nnzoo: two commands for a newcomer.
#   make run    install into .venv (torch first), then train and evaluate MODEL (default: cnn)
#   make test   the same venv, the whole test suite (slow real-data checks excluded)
#   make lint   ruff over nnzoo and tests, then mypy over what [tool.mypy] in pyproject.toml names
#   make bench  the quick benchmark tier into bench-results/ (exit 0 even when a peer is missing)
# Overridable: PYTHON, VENV, TORCH (e.g. make run TORCH=torch==2.13.0), MODEL, ARGS.
# APART: peers installed with --no-deps ([tool.nnzoo] installed-apart in pyproject.toml;
# APART= installs none):
# PyDTMC pins matplotlib<=3.7.3 but runs on today's; its other runtime needs (numpy, scipy,
# networkx) come with the `peers` extra.

PYTHON ?= python3
VENV   ?= .venv
TORCH  ?= torch==2.13.0
MODEL  ?= cnn
ARGS   ?=
APART  ?= PyDTMC==8.7.0

BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-$(subst /,_,$(subst =,_,$(subst <,_,$(subst >,_,$(TORCH)))))

.PHONY: install run test lint bench bench-full report clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[dev,peers,web]"
	$(if $(APART),$(BIN)/python -m pip install --quiet --no-deps $(APART))
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/nnzoo train $(MODEL) $(ARGS)

test: install
	$(BIN)/python -m pytest -q $(ARGS)

lint: install
	$(BIN)/ruff check nnzoo tests
	$(BIN)/mypy

bench: install
	$(BIN)/nnzoo bench --tier quick --out bench-results

bench-full: install
	NNZOO_DATA=$${NNZOO_DATA:-../shared/data} $(BIN)/nnzoo bench --tier full --out bench-results

report: install
	$(BIN)/nnzoo bench --report

clean:
	rm -rf $(VENV) runs bench-results .pytest_cache .mypy_cache
