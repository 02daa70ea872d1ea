# The two commands of the README: `make run` and `make test`. Both set up what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

MOTO_VENV  := .venv/moto
TOOLS_VENV := .venv/tools
VALIDATORS_VENV := .venv/validators
export SAM_CLI_TELEMETRY := 0

.PHONY: help run test setup build lint fmt

help:
	@echo "make run    - build and run the whole backend locally (moto + the local Lambda service)"
	@echo "make test   - lint, build and run every test, starting and stopping the local stack"

# Python venvs, pinned (requirements/*.txt) and constrained to the exact versions last verified.
$(MOTO_VENV)/.installed: requirements/moto.txt requirements/moto.constraints.txt
	python3 -m venv $(MOTO_VENV)
	$(MOTO_VENV)/bin/pip install --quiet --disable-pip-version-check \
		-r requirements/moto.txt -c requirements/moto.constraints.txt
	touch $@

$(TOOLS_VENV)/.installed: requirements/tools.txt requirements/tools.constraints.txt
	python3 -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check \
		-r requirements/tools.txt -c requirements/tools.constraints.txt
	touch $@

# The schedule exports' tests validate frab XML against the XSD with python xmlschema.
$(VALIDATORS_VENV)/.installed: requirements/validators.txt requirements/validators.constraints.txt
	python3 -m venv $(VALIDATORS_VENV)
	$(VALIDATORS_VENV)/bin/pip install --quiet --disable-pip-version-check \
		-r requirements/validators.txt -c requirements/validators.constraints.txt
	touch $@

setup: $(MOTO_VENV)/.installed $(TOOLS_VENV)/.installed

# Plain debug binaries: the local runner runs them exactly as Lambda runs the release build.
build:
	cargo build --workspace --bins

run: $(MOTO_VENV)/.installed build
	exec target/debug/cfp-local up --moto-server $(MOTO_VENV)/bin/moto_server

lint: $(TOOLS_VENV)/.installed
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(TOOLS_VENV)/bin/cfn-lint template.yaml
	$(TOOLS_VENV)/bin/sam validate --lint --template template.yaml --region eu-central-1

fmt:
	cargo fmt --all

test: setup $(VALIDATORS_VENV)/.installed lint build
	scripts/test.sh
