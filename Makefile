# Entry points a newcomer uses. `make demo` and `make test` set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
CHECKS_VENV := .venv-checks
# The web page's browser tests drive Debian's chromium (a browser Playwright downloads cannot
# run here); apt needs root.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# CI and developers without Docker access to public ECR override these two (docs/deploying.md);
# `sam` is the pinned one in .venv-sam, put first on PATH below.
SAM ?= sam
BASE_IMAGE ?= public.ecr.aws/lambda/python:3.13
# The function image's Python: its wheels are picked for the AWS image of that version.
IMAGE_PYTHON := 3.13
WHEELHOUSE := functions/api/wheelhouse

export SAM_CLI_TELEMETRY := 0
export PATH := $(CURDIR)/$(SAM_VENV)/bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

REQUIREMENTS := functions/api/requirements.txt requirements/training.txt \
	requirements/training-nodeps.txt requirements/dev.txt

.PHONY: help venv demo test lint typecheck validate unit integration e2e clean sam-build \
	sam-local test-sam security fuzz
.PHONY: train fetch bench bench-train evaluate

help:
	@echo "make demo   train synthetic books and songs, publish them locally, serve on :3000"
	@echo "make test   lint, type-check, validate the template, security scans, run every test"
	@echo "make unit | integration | e2e   one layer of the tests alone (no lint or scans)"
	@echo "make fuzz   fuzz the local API with thousands of generated cases (about 2 minutes)"
	@echo "make bench  serving speed against the TensorFlow way: tables + .bench/serving.json"
	@echo "make bench-train   our training pipeline against the seed's: .bench/training.json"
	@echo "make demo DATA=<dir>   serve the real datasets in <dir>'s sub-folders instead"
	@echo "make train CATALOG=<name> DATA=<dataset folder> [PRESET=..] [MIN_WEIGHT=..]"
	@echo "make evaluate CATALOG=<name> DATA=<dataset folder>   baselines, seed and served"
	@echo "make fetch DATASET=book-crossing|lastfm-2k DATA=<dir>   download to <dir>/<dataset>"
	@echo "make sam-local   build the function image, serve it with sam local start-api on :3000"
	@echo "make test-sam    end-to-end tests against sam local (needs Docker)"

# One stamp per environment: it is rebuilt when a requirements file changes.
$(VENV)/.installed: $(REQUIREMENTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r functions/api/requirements.txt -r requirements/training.txt \
		-r requirements/dev.txt
	@# Both declare a dependency on the full `tensorflow` wheel (a second 1.9 GB TensorFlow
	@# beside tensorflow-cpu): installed without it; their real needs are in training.txt.
	$(PY) -m pip install --quiet --no-deps -r requirements/training-nodeps.txt
	touch $@

# The import roots (the layer's library, the function, the repository root), as pytest and the
# function image have them: a .pth file in the venv's site-packages, as an editable install
# writes, so that `.venv/bin/python -m local.demo` (or -m training.cli ...) imports edgerec.
$(VENV)/.import-roots: $(VENV)/.installed local/import_roots.py
	$(PY) -m local.import_roots
	touch $@

$(SAM_VENV)/.installed: requirements/sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet -r requirements/sam.txt
	touch $@

$(CHECKS_VENV)/.installed: requirements/checks.txt
	$(PYTHON) -m venv $(CHECKS_VENV)
	$(CHECKS_VENV)/bin/pip install --quiet -r requirements/checks.txt
	touch $@

venv: $(VENV)/.installed $(VENV)/.import-roots

demo: venv
	$(PY) -m local.demo $(if $(DATA),--data $(DATA)) $(if $(PRESET),--preset $(PRESET))

# Real data (docs/data.md). Bundles go under .demo/ (ignored by git), never the repo.
OUT ?= .demo/train
train: venv
	@test -n "$(CATALOG)" -a -n "$(DATA)" || { echo "usage: make train CATALOG=<name>" \
		"DATA=<dataset folder> [PRESET=<preset>] [MIN_WEIGHT=<w>] [OUT=$(OUT)]" >&2; exit 2; }
	$(PY) -m training.cli --catalog $(CATALOG) --data $(DATA) --out $(OUT) \
		$(if $(PRESET),--preset $(PRESET)) $(if $(MIN_WEIGHT),--min-weight $(MIN_WEIGHT))

# The evaluation (docs/evaluation.md): the report goes to $(EVAL_OUT)/<catalog>-evaluation.*
EVAL_OUT ?= .demo/evaluation
evaluate: venv
	@test -n "$(CATALOG)" -a -n "$(DATA)" || { echo "usage: make evaluate CATALOG=<name>" \
		"DATA=<dataset folder> [PRESET=<preset>] [MIN_WEIGHT=<w>] [EVAL_OUT=$(EVAL_OUT)]" >&2; \
		exit 2; }
	$(PY) -m training.evaluate --catalog $(CATALOG) --data $(DATA) --out $(EVAL_OUT) \
		$(if $(PRESET),--preset $(PRESET)) $(if $(MIN_WEIGHT),--min-weight $(MIN_WEIGHT))

fetch: venv
	@test -n "$(DATASET)" -a -n "$(DATA)" || { echo "usage: make fetch" \
		"DATASET=book-crossing|lastfm-2k DATA=<dir, outside the repository>" >&2; exit 2; }
	$(PY) -m training.fetch $(DATASET) --out $(DATA)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy layers/core/python functions/api training local tests benchmarks

validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint --region us-east-1

# checkov on the template and the image (skipped checks are justified where they are skipped),
# offline; bandit on the code that ships or runs the stack (settings in pyproject.toml).
security: $(CHECKS_VENV)/.installed
	$(CHECKS_VENV)/bin/checkov --quiet --compact --skip-download \
		--framework cloudformation dockerfile -f template.yaml -f functions/api/Dockerfile
	$(CHECKS_VENV)/bin/bandit --quiet -c pyproject.toml -r layers functions training local

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

test: venv lint typecheck validate security $(CHROMIUM)
	$(PY) -m pytest

# One layer of the tests at a time, as `make test` runs them (sam-local tests left out).
unit: venv
	$(PY) -m pytest tests/unit

integration: venv
	$(PY) -m pytest tests/integration

e2e: venv $(CHROMIUM)
	$(PY) -m pytest tests/e2e

# The fuzzing tests of `make test`, with 20 times the generated cases and a fresh seed.
fuzz: venv
	FUZZ_EXAMPLES=2000 $(PY) -m pytest tests/integration/test_fuzzing.py

# Serving speed against the TensorFlow way (docs/performance.md): cold start, latency and
# memory at 10k, 100k and 1M users and on each real dataset in BENCH_DATA. No Docker needed
# (the image's size is read from Docker only when it is there). Bundles are kept in .bench/.
BENCH_DATA ?= ../shared/datasets
bench: venv
	$(PY) -m benchmarks.serving --data $(BENCH_DATA)
	@# The full-size load test (docs/reliability.md): clean, then DynamoDB and S3 gone.
	$(PY) -m benchmarks.load_stack --requests 20000 --clients 32 --json .bench/load.json

# Training speed (docs/performance.md): the seed's pipeline and ours on each real dataset
# in BENCH_DATA, timed in the same run.
bench-train: venv
	$(PY) -m benchmarks.training_speed --data $(BENCH_DATA)

# Wheels for the image, downloaded on the host: `docker build` steps get no network here, and
# nothing a build runs should reach one. Amazon Linux 2023 (the 3.13 image) has glibc 2.34.
$(WHEELHOUSE)/.complete: functions/api/requirements.txt | venv
	rm -rf $(WHEELHOUSE)
	$(PY) -m pip download --quiet --only-binary=:all: --implementation cp \
		--python-version $(IMAGE_PYTHON) --platform manylinux2014_x86_64 \
		$(foreach minor,$(shell seq 17 34),--platform manylinux_2_$(minor)_x86_64) \
		--dest $(WHEELHOUSE) -r functions/api/requirements.txt
	touch $@

sam-build: $(SAM_VENV)/.installed $(WHEELHOUSE)/.complete
	$(SAM) build --parameter-overrides BaseImage=$(BASE_IMAGE)

sam-local: venv sam-build
	SAM="$(SAM)" $(PY) -m local.sam_local

test-sam: venv sam-build
	SAM="$(SAM)" $(PY) -m pytest -m sam tests/e2e

clean:
	rm -rf .demo .aws-sam .pytest_cache .mypy_cache .ruff_cache
