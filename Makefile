# nnzoo: two commands for a newcomer.
#   make run    install into .venv (torch first), then train and evaluate MODEL (default: cnn)
#   make test   the same venv, the whole test suite (slow real-data checks excluded)
#   make lint   ruff over nnzoo and tests, then mypy over what [tool.mypy] in pyproject.toml names
#   make bench  the quick benchmark tier into bench-results/ (exit 0 even when a peer is missing)
#   make browser  Debian's chromium and fonts (apt-get) when $(NNZOO_CHROMIUM) is missing: the
#               browser of tests/browser (skipped without it), which .ci/run installs first
#   make screenshots  docs/screenshots/: the site's main pages at desktop and phone widths
#   make gallery  docs/gallery/: every implemented model's default recipe trained (seed 0, one
#               thread) and its plots and text samples recorded for the model pages
# make run's job picks its CPU threads (nnzoo train --threads auto: one thread for a tiny step
# such as the digits CNN's, every core for a big one) and lets idle OpenMP threads sleep, so a
# torch process sharing the cores slows it by at most about 2x ('nnzoo bench cnn --tier full
# --task contention' measures it); ARGS="--threads N" fixes the count.
# Overridable: PYTHON, VENV, TORCH (e.g. make run TORCH=torch==2.13.0), MODEL, ARGS,
# NNZOO_CHROMIUM (the Chromium binary the browser tests and screenshots launch).
# APART: peers installed with --no-deps ([tool.nnzoo] installed-apart in pyproject.toml;
# APART= installs none):
# PyDTMC pins matplotlib<=3.7.3 but runs on today's; its other runtime needs (numpy, scipy,
# networkx) come with the `peers` extra. dnc (the DNC's peer) declares flann, which only its
# sparse variants use.

PYTHON ?= python3
VENV   ?= .venv
TORCH  ?= torch==2.13.0
MODEL  ?= cnn
ARGS   ?=
APART  ?= PyDTMC==8.7.0 dnc==1.1.0
NNZOO_CHROMIUM ?= /usr/bin/chromium
export NNZOO_CHROMIUM

BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-$(subst /,_,$(subst =,_,$(subst <,_,$(subst >,_,$(TORCH)))))

.PHONY: install run test lint bench bench-full report browser screenshots gallery clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[dev,peers,web,rl]"
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

# Playwright's own browser download cannot work offline: the tests use Debian's chromium.
# As root (CI) apt-get runs directly, otherwise through sudo when there is one.
browser:
	@if [ -x "$(NNZOO_CHROMIUM)" ]; then echo "browser: $(NNZOO_CHROMIUM)"; else \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "browser: $(NNZOO_CHROMIUM) is missing and apt-get needs root (or sudo)" >&2; \
	    exit 1; fi; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	    fonts-dejavu-core && \
	  if [ -x "$(NNZOO_CHROMIUM)" ]; then echo "browser: $(NNZOO_CHROMIUM)"; else \
	    echo "browser: chromium installed, but NNZOO_CHROMIUM=$(NNZOO_CHROMIUM) is not it" >&2; \
	    exit 1; fi; \
	fi

screenshots: install browser
	$(BIN)/python tools/screenshots.py docs/screenshots

gallery: install
	OMP_NUM_THREADS=1 $(BIN)/nnzoo site gallery docs/gallery

clean:
	rm -rf $(VENV) runs bench-results .pytest_cache .mypy_cache
