# Two commands matter: `make demo` (an activation end-to-end, locally) and `make test`.
# Both set up everything they need on a fresh machine.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt layers/aep_activation/requirements.txt | sha1sum | cut -c1-12)

# SAM CLI lives in its own tool environment, on Python 3.12 (the Lambda runtime), because
# `sam build` needs the runtime's Python on PATH.
SAM_VERSION := 1.170.0
SAM_VENV := .tools/sam
SAM_STAMP := $(SAM_VENV)/.installed-$(SAM_VERSION)
PY312 ?= $(shell for c in "$$(pyenv prefix 3.12 2>/dev/null)/bin/python3.12" "$$(pyenv prefix 3.12.1 2>/dev/null)/bin/python3.12" python3.12; do \
	  "$$c" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { command -v "$$c"; break; }; done)

# checkov (template security checks) in its own tool environment: its pins clash with ours.
CHECKOV_VERSION := 3.2.533
CHECKOV_VENV := .tools/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

# asl-validator (an independent check of the state machine's Amazon States Language), pinned
# with its lock file in tools/asl-validator/ and installed there by npm ci (Node.js 18+).
ASL_VALIDATOR_DIR := tools/asl-validator
ASL_VALIDATOR := $(ASL_VALIDATOR_DIR)/node_modules/.bin/asl-validator
ASL_STAMP := $(ASL_VALIDATOR_DIR)/node_modules/.installed-$(shell cat $(ASL_VALIDATOR_DIR)/package-lock.json | sha1sum | cut -c1-12)

.PHONY: help install demo test lint typecheck unit sam-validate sam-build template-lint asl-validate reliability concurrency bench clean

help:
	@echo "make demo   - run an example activation end-to-end against the embedded emulator"
	@echo "make test   - lint, type-check, check the SAM template, run the tests"
	@echo "make install - the venv, with the aep-activations command in .venv/bin"
	@echo "make reliability - the fault matrix and bad input through every trigger, printed"
	@echo "make bench  - performance figures against aepp and the tutorial by hand (README)"

$(STAMP): requirements-dev.txt layers/aep_activation/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

# The command-line tool (pyproject.toml's [project.scripts]: aep-activations) into the venv,
# editable, so that --local runs this checkout's template, functions and state machine.
CLI_STAMP := $(VENV)/.installed-cli-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

$(CLI_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-cli-*
	touch $@

install: $(STAMP) $(CLI_STAMP)

$(SAM_STAMP):
	@test -x "$(PY312)" || { echo "Python 3.12 not found (needed by sam build); install it or set PY312=/path/to/python3.12"; exit 1; }
	test -x $(SAM_VENV)/bin/python || $(PY312) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==$(SAM_VERSION)
	touch $@

$(ASL_STAMP): $(ASL_VALIDATOR_DIR)/package.json $(ASL_VALIDATOR_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: the ASL check needs Node.js 18+ and npm (e.g. apt-get install nodejs npm)"; exit 1; }
	npm ci --prefix $(ASL_VALIDATOR_DIR) --no-audit --no-fund --loglevel=error
	touch $@

$(CHECKOV_STAMP):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

# The demo request is examples/amazon-s3-new-card.json plus waitForFirstRun: it ends by listing the
# files the emulator's simulated first run wrote (into .demo-exports/).
demo: $(STAMP)
	rm -rf .demo-exports
	$(PY) -m local run examples/lifecycle/wait-for-first-run.json --exports .demo-exports

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy layers/aep_activation/aep_activation functions local bench aep_cli

unit: $(STAMP)
	$(VENV)/bin/pytest

# sam validate --lint and sam build run offline; the build uses the venv's python3.12.
sam-validate: $(SAM_STAMP)
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint --region us-east-1

sam-build: $(SAM_STAMP)
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam build --region us-east-1

# cfn-lint and checkov on template.yaml; checkov's suppressions, each with its reason, are in
# .checkov.yaml. Offline: no guideline download.
template-lint: $(STAMP) $(CHECKOV_STAMP)
	$(VENV)/bin/cfn-lint template.yaml
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov -f template.yaml --config-file .checkov.yaml --skip-download

# Every Adobe call x every fault, and bad input through every trigger: a printed matrix;
# exits non-zero on any cell that does not hold.
# Then the concurrency figures (see the concurrency target).
reliability: $(STAMP)
	PYTHONPATH=layers/aep_activation:. $(PY) -m tests.reliability
	PYTHONPATH=layers/aep_activation:. $(PY) -m tests.concurrency.report

# Concurrency figures: bursts for one activation, and 200 requests for 10 activations.
concurrency: $(STAMP)
	PYTHONPATH=layers/aep_activation:. $(PY) -m tests.concurrency.report

# The state machine as CloudFormation deploys it (DefinitionSubstitutions applied: version
# ARNs in place of ${...}), checked by asl-validator: cfn-lint and sam validate never read a
# DefinitionUri file. Known false reports: none (the definition passes with every check on,
# ARN and path checks included); one that appears would be listed here with its reason and
# switched off by the narrowest flag (--no-arn-check, --no-path-check).
asl-validate: $(STAMP) $(ASL_STAMP)
	$(PY) -m local.runtime.definitions --out .asl >/dev/null
	for definition in .asl/*.asl.json; do $(ASL_VALIDATOR) --json-path "$$definition" || exit 1; done

test: lint typecheck sam-validate template-lint asl-validate sam-build unit
	@echo "make test: all checks passed"

# The benchmark's own environments, never the project's .venv: aepp (the reference) in
# .bench-venv; under .bench a bare Python 3.12, the runtime's boto3 stand-in and the layer
# built by its own recipe for this machine (the SAM build is for arm64).
BENCH_VENV := .bench-venv
BENCH_STAMP := $(BENCH_VENV)/.installed-aepp-0.6.0

$(BENCH_STAMP):
	@test -x "$(PY312)" || { echo "Python 3.12 not found; set PY312=/path/to/python3.12"; exit 1; }
	test -x $(BENCH_VENV)/bin/python || $(PY312) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet aepp==0.6.0
	rm -rf .bench/py312 .bench/runtime
	$(PY312) -m venv --without-pip .bench/py312
	$(BENCH_VENV)/bin/pip install --quiet --target .bench/runtime $$(grep '^boto3==' requirements-dev.txt)
	touch $@

bench: $(STAMP) $(BENCH_STAMP) sam-build
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(MAKE) -s -C layers/aep_activation build-SharedLayer \
	  ARTIFACTS_DIR="$(CURDIR)/.bench/layer" LAYER_PLATFORM=host
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) $(ASL_VALIDATOR_DIR)/node_modules .asl .aws-sam .mypy_cache .ruff_cache .pytest_cache .bench .bench-venv
