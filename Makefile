# nnzoo: two commands for a newcomer.
#   make run    install into .venv (torch first), then train and evaluate MODEL (default: cnn)
#   make test   the same venv, the whole test suite (slow real-data checks excluded)
# Overridable: PYTHON, VENV, TORCH (e.g. make run TORCH=torch==2.13.0), MODEL, ARGS.

PYTHON ?= python3
VENV   ?= .venv
TORCH  ?= torch==2.13.0
MODEL  ?= cnn
ARGS   ?=

BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-$(subst /,_,$(subst =,_,$(subst <,_,$(subst >,_,$(TORCH)))))

.PHONY: install run test lint bench bench-full clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[dev,peers]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/nnzoo train $(MODEL) $(ARGS)

test: install
	$(BIN)/python -m pytest -q $(ARGS)

lint: install
	$(BIN)/ruff check nnzoo tests

bench: install
	$(BIN)/nnzoo bench --tier quick

bench-full: install
	NNZOO_DATA=$${NNZOO_DATA:-../shared/data} $(BIN)/nnzoo bench --tier full

clean:
	rm -rf $(VENV) runs .pytest_cache
