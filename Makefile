# Entry points a newcomer uses. `make demo` and `make test` set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
# The web page's browser tests drive Debian's chromium (a browser Playwright downloads cannot
# run here); apt needs root.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# CI and developers without Docker access to public ECR override these two (see README).
SAM ?= $(CURDIR)/$(SAM_VENV)/bin/sam
BASE_IMAGE ?= public.ecr.aws/lambda/python:3.13

# The same import roots as pytest and the function image: the layer's library, the function,
# and the repository root (training, local).
export PYTHONPATH := $(CURDIR)/layers/core/python:$(CURDIR)/functions/api:$(CURDIR)
export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

REQUIREMENTS := functions/api/requirements.txt requirements/training.txt \
	requirements/training-nodeps.txt requirements/dev.txt

.PHONY: help venv demo test lint typecheck validate unit integration clean

help:
	@echo "make demo   train synthetic books and songs, publish them locally, serve on :3000"
	@echo "make test   lint, type-check, validate the template, run every test"

# One stamp per environment: it is rebuilt when a requirements file changes.
$(VENV)/.installed: $(REQUIREMENTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r functions/api/requirements.txt -r requirements/training.txt \
		-r requirements/dev.txt
	@# Both declare a dependency on the full `tensorflow` wheel (a second 1.9 GB TensorFlow
	@# beside tensorflow-cpu): installed without it; their real needs are in training.txt.
	$(PY) -m pip install --quiet --no-deps -r requirements/training-nodeps.txt
	touch $@

$(SAM_VENV)/.installed: requirements/sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet -r requirements/sam.txt
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(PY) -m local.demo

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy layers/core/python functions/api training local tests

validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint --region us-east-1

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

test: venv lint typecheck validate $(CHROMIUM)
	$(PY) -m pytest

clean:
	rm -rf .demo .aws-sam .pytest_cache .mypy_cache .ruff_cache
