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

# Python venvs, each pinned (requirements/<name>.txt) and constrained to the exact versions last
# verified (requirements/<name>.constraints.txt): moto; cfn-lint and the SAM CLI (apart, since the
# SAM CLI pins an older boto3 than moto wants); xmlschema for the frab XML export's XSD check.
.venv/%/.installed: requirements/%.txt requirements/%.constraints.txt
	python3 -m venv .venv/$*
	.venv/$*/bin/pip install --quiet --disable-pip-version-check \
		-r requirements/$*.txt -c requirements/$*.constraints.txt
	touch $@

setup: $(MOTO_VENV)/.installed $(TOOLS_VENV)/.installed $(VALIDATORS_VENV)/.installed

# Plain debug binaries: the local runner runs them exactly as Lambda runs the release build.
# `--tests` makes this the same feature resolution as `cargo test --workspace`, so the test run
# reuses every artifact instead of building the dependency graph a second time.
build:
	cargo build --workspace --bins --tests

run: $(MOTO_VENV)/.installed build
	exec target/debug/cfp-local up --moto-server $(MOTO_VENV)/bin/moto_server

lint: $(TOOLS_VENV)/.installed
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(TOOLS_VENV)/bin/cfn-lint --append-rules cfn_lint_serverless.rules -- template.yaml
	$(TOOLS_VENV)/bin/sam validate --lint --template template.yaml --region eu-central-1

fmt:
	cargo fmt --all

test: setup lint build
	scripts/test.sh
