# Tripod: the two commands, and the steps behind them.
#
#   make demo   set up, then audit this machine (the demo inventory) and print the summary
#   make test   set up (podman, test images, Python packages), then lint, ansible-test sanity and run every test
#
# For the inner loop: `make test-fast` (lint and unit tests, a few minutes, no containers).
#
# Everything is installed by these targets on a fresh Debian machine; nothing by hand.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export CONTAINERS_CONF := $(CURDIR)/tests/fleet/containers.conf
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Tests get their own data dir; the demo uses the real one ($TRIPOD_DATA_DIR or ~/.local/share/tripod).
TEST_DATA_DIR ?= $(CURDIR)/.cache/test-data
PYTEST_ARGS ?=
# The harness's own tests (tests/fleet works at all) are for changes to the harness: every
# container test already depends on it. The 15 slowest tests are printed after every run.
PYTEST := TRIPOD_DATA_DIR=$(TEST_DATA_DIR) $(BIN)/python -m pytest --durations=15

# ansible-test sanity (Galaxy's checks) on the collection as built, as far as it runs here (no pwsh):
# scripts/sanity.sh, tests/README.md. Part of `make test` (about a minute once its venvs exist).
.PHONY: demo test test-fast test-harness sanity setup setup-test host images lint clean build-collection ee-context ee

demo: setup
	$(BIN)/tripod audit -i inventories/demo

test: setup-test lint sanity
	$(PYTEST) -m "not harness" $(PYTEST_ARGS)

test-fast: lint
	$(PYTEST) tests/unit $(PYTEST_ARGS)

sanity: $(VENV)/.installed-test
	scripts/sanity.sh $(SANITY_ARGS)

test-harness: setup-test
	$(PYTEST) -m harness $(PYTEST_ARGS)

# --- set-up -------------------------------------------------------------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[collections]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[collections,test]'
	touch $(VENV)/.installed $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test host images

host:
	scripts/setup-host.sh

images: host $(VENV)/.installed-test
	$(BIN)/python -m tests.fleet.fleet images

lint: $(VENV)/.installed-test
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/ansible-lint --profile production

build-collection: $(VENV)/.installed
	$(BIN)/ansible-galaxy collection build --force --output-path .cache/dist

# The AWX / Automation Platform execution environment (execution-environment.yml, docs/scale.md).
EE_DIR := .cache/ee
ee-context: $(VENV)/.installed-test
	rm -rf $(EE_DIR) && mkdir -p $(EE_DIR)/dist
	$(BIN)/ansible-galaxy collection build --force --output-path $(EE_DIR)/dist
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir $(EE_DIR)/dist .
	$(BIN)/ansible-builder create --file execution-environment.yml --context $(EE_DIR)/context

ee: ee-context
	$(BIN)/ansible-builder build --file execution-environment.yml --context $(EE_DIR)/context \
		--container-runtime podman --tag tripod-ee:$$(sed -n 's/^version: //p' galaxy.yml)

clean:
	rm -rf $(VENV) .cache .pytest_cache
